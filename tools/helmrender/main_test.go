// Tests of helmrender's Helm and Sprig functions against the results Helm
// documents for them (helm.sh docs, "Template Function List"), and of the
// values merge against Helm's rules for -f files. Run by
// tests/integration/test_helm.py (go test, GOPATH mode).
package main

import (
	"bytes"
	"strings"
	"testing"
	"text/template"
)

// run executes one template with the helpers defined here and data.
func run(t *testing.T, text string, data interface{}) string {
	t.Helper()
	set := template.New("t")
	set.Funcs(funcs(set))
	if _, err := set.Parse(`{{ define "greet" }}hello {{ . }}{{ end }}` + text); err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	var b bytes.Buffer
	if err := set.Execute(&b, data); err != nil {
		t.Fatalf("execute %q: %v", text, err)
	}
	return b.String()
}

func TestFunctionsAsHelmDocumentsThem(t *testing.T) {
	values := map[string]interface{}{
		"empty": "", "name": "ms", "port": float64(5500), "off": false, "none": nil,
		"list": []interface{}{}, "map": map[string]interface{}{},
		"nested": map[string]interface{}{"b": float64(1), "a": []interface{}{"x", "z"}},
	}
	cases := []struct{ text, want string }{
		{`{{ .empty | default "foo" }}`, "foo"},
		{`{{ .off | default "foo" }}`, "foo"},
		{`{{ .none | default "foo" }}`, "foo"},
		{`{{ .list | default "foo" }}`, "foo"},
		{`{{ .map | default "foo" }}`, "foo"},
		{`{{ .name | default "foo" }}`, "ms"},
		{`{{ .port | default 1 }}`, "5500"},
		{`{{ quote .name }}`, `"ms"`},
		{`{{ .port | quote }}`, `"5500"`},
		{`{{ quote .none }}`, ""},
		{`{{ "hello world" | trunc 5 }}`, "hello"},
		{`{{ "ms-" | trimSuffix "-" }}`, "ms"},
		{`{{ "a+b" | replace "+" "_" }}`, "a_b"},
		{`{{ "a\nb" | indent 2 }}`, "  a\n  b"},
		{`{{ "a\nb" | nindent 2 }}`, "\n  a\n  b"},
		{`{{ include "greet" .name }}`, "hello ms"},
		{`{{ .nested | toYaml }}`, "a:\n  - x\n  - z\nb: 1"},
		{`{{ .map | toYaml }}`, "{}"},
		{`{{ list 1 "a" | join "," }}`, "1,a"},
		{`{{ $l := list }}{{ $l = append $l "x" }}{{ $l = append $l "y" }}{{ join " " $l }}`, "x y"},
		{`{{ (dict "k" "v").k }}`, "v"},
		{`{{ .port | int }}`, "5500"},
		{`{{ if contains "chart" "modelserverchart" }}yes{{ end }}`, "yes"},
		{`{{ if empty .list }}yes{{ end }}`, "yes"},
	}
	for _, c := range cases {
		if got := run(t, c.text, values); got != c.want {
			t.Errorf("%s = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestRequiredAndFail(t *testing.T) {
	set := template.New("t")
	set.Funcs(funcs(set))
	for _, text := range []string{`{{ required "need x" "" }}`, `{{ required "need x" .none }}`, `{{ fail "need x" }}`} {
		template.Must(set.New(text).Parse(text))
		err := set.ExecuteTemplate(&bytes.Buffer{}, text, map[string]interface{}{"none": nil})
		if err == nil || !strings.Contains(err.Error(), "need x") {
			t.Errorf("%s: error %v, want one saying 'need x'", text, err)
		}
	}
	// Helm's required lets false and 0 through: only nil and "" fail.
	if got := run(t, `{{ required "x" false }}`, nil); got != "false" {
		t.Errorf("required false = %q", got)
	}
}

func TestMergeIsHelms(t *testing.T) {
	base := map[string]interface{}{
		"a": map[string]interface{}{"x": float64(1), "y": float64(2)},
		"b": "keep", "c": "drop", "l": []interface{}{"1", "2"},
	}
	over := map[string]interface{}{
		"a": map[string]interface{}{"y": float64(3)}, "c": nil, "l": []interface{}{"3"},
	}
	got := merge(base, over)
	a := got["a"].(map[string]interface{})
	if a["x"] != float64(1) || a["y"] != float64(3) {
		t.Errorf("maps merge key by key: %v", a)
	}
	if got["b"] != "keep" || got["c"] != nil || len(got["l"].([]interface{})) != 1 {
		t.Errorf("other values replace, null deletes: %v", got)
	}
	if _, ok := got["c"]; ok {
		t.Errorf("null deletes the key: %v", got)
	}
}

func TestNumbersAreFloat64AsInHelm(t *testing.T) {
	v := asHelm(map[string]interface{}{"p": 5500, "l": []interface{}{1}}).(map[string]interface{})
	if _, ok := v["p"].(float64); !ok {
		t.Errorf("5500 is %T, want float64", v["p"])
	}
	if _, ok := v["l"].([]interface{})[0].(float64); !ok {
		t.Errorf("a number in a list is %T, want float64", v["l"].([]interface{})[0])
	}
}
