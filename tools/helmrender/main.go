// helmrender renders a Helm chart the way `helm template` does, for tests
// on machines without Helm: Go's text/template (which Helm templates are)
// plus the few Helm and Sprig functions our chart uses, with Helm's
// semantics. Values come from the chart's values.yaml, deep-merged with
// each -f file in order (maps merge key by key, anything else replaces), and
// numbers are float64 as in Helm (which reads values through JSON). Every
// file under templates/ is parsed into one set, named by its path as Helm
// names it; each *.yaml not starting with '_' is executed and printed after
// a "# Source:" line, and output that is only whitespace is dropped, as Helm
// does. A function the chart calls that is not defined here fails the parse,
// so the chart cannot silently depend on something this tool lacks.
//
// Build (Debian packages only, no module download):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helmrender ./tools/helmrender
//
// Usage: helmrender [-f values.yaml]... [-name RELEASE] [-namespace NS] CHART_DIR
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	flag.Var(&files, "f", "values file merged over the chart's values.yaml (repeatable)")
	release := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: %s [-f values.yaml]... [-name RELEASE] [-namespace NS] CHART_DIR\n\n"+
			"Renders the chart's templates as `helm template` does and prints them.\n\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := render(flag.Arg(0), files, *release, *namespace); err != nil {
		fmt.Fprintln(os.Stderr, "helmrender:", err)
		os.Exit(1)
	}
}

func render(chartDir string, files []string, release, namespace string) error {
	chart, err := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAML(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		override, err := readYAML(f)
		if err != nil {
			return err
		}
		values = merge(values, override)
	}
	name, _ := chart["name"].(string)
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": release, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		// Helm exposes Chart.yaml's fields capitalised.
		"Chart": map[string]interface{}{
			"Name": chart["name"], "Version": chart["version"],
			"AppVersion": chart["appVersion"], "Description": chart["description"],
		},
	}

	paths, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return err
	}
	sort.Strings(paths)
	set := template.New("chart")
	set.Funcs(funcs(set))
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		tplName := filepath.ToSlash(filepath.Join(name, "templates", filepath.Base(p)))
		if _, err := set.New(tplName).Option("missingkey=zero").Parse(string(text)); err != nil {
			return err
		}
	}
	for _, p := range paths {
		base := filepath.Base(p)
		if strings.HasPrefix(base, "_") || !strings.HasSuffix(base, ".yaml") {
			continue
		}
		tplName := filepath.ToSlash(filepath.Join(name, "templates", base))
		var out bytes.Buffer
		if err := set.ExecuteTemplate(&out, tplName, top); err != nil {
			return err
		}
		// Helm prints missing values as "" rather than "<no value>".
		text := strings.ReplaceAll(out.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Printf("---\n# Source: %s\n%s\n", tplName, strings.TrimSpace(text))
	}
	return nil
}

func readYAML(path string) (map[string]interface{}, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v map[string]interface{}
	if err := yaml.Unmarshal(text, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if v == nil {
		v = map[string]interface{}{}
	}
	return asHelm(v).(map[string]interface{}), nil
}

// asHelm gives values the types Helm's JSON round trip gives them: every
// number a float64, every map keyed by string.
func asHelm(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = asHelm(e)
		}
		return t
	case []interface{}:
		for i, e := range t {
			t[i] = asHelm(e)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}

// merge is Helm's coalescing of -f files: maps merge key by key, and any
// other value, null included, replaces the one below.
func merge(base, over map[string]interface{}) map[string]interface{} {
	for k, v := range over {
		bm, bok := base[k].(map[string]interface{})
		om, ook := v.(map[string]interface{})
		if bok && ook {
			base[k] = merge(bm, om)
		} else if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return base
}

// empty is Sprig's: nil, false, 0, "" and empty collections.
func empty(v interface{}) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return r.Len() == 0
	case reflect.Bool:
		return !r.Bool()
	case reflect.Int, reflect.Int64, reflect.Int32:
		return r.Int() == 0
	case reflect.Float64, reflect.Float32:
		return r.Float() == 0
	case reflect.Ptr, reflect.Interface:
		return r.IsNil()
	}
	return false
}

// str is Sprig's strval: strings as they are, everything else by %v.
func str(v interface{}) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case error:
		return t.Error()
	case fmt.Stringer:
		return t.String()
	}
	return fmt.Sprintf("%v", v)
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

func funcs(set *template.Template) template.FuncMap {
	return template.FuncMap{
		// Helm's own.
		"include": func(name string, data interface{}) (string, error) {
			var b bytes.Buffer
			err := set.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"toYaml": func(v interface{}) string {
			var b bytes.Buffer
			enc := yaml.NewEncoder(&b)
			enc.SetIndent(2)
			if err := enc.Encode(v); err != nil {
				return "" // Helm's toYaml also swallows the error
			}
			return strings.TrimSuffix(b.String(), "\n")
		},
		"required": func(msg string, v interface{}) (interface{}, error) {
			if s, ok := v.(string); v == nil || (ok && s == "") {
				return nil, errors.New(msg)
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
		// Sprig's, with its argument order (the piped value last).
		"default": func(d interface{}, given ...interface{}) interface{} {
			if len(given) == 0 || empty(given[0]) {
				return d
			}
			return given[0]
		},
		"empty": empty,
		"quote": func(args ...interface{}) string {
			var out []string
			for _, a := range args {
				if a != nil {
					out = append(out, fmt.Sprintf("%q", str(a)))
				}
			}
			return strings.Join(out, " ")
		},
		"toString": str,
		"indent":   indent,
		"nindent":  func(n int, s string) string { return "\n" + indent(n, s) },
		"trunc": func(n int, s string) string {
			if n >= 0 && len(s) > n {
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"replace":    func(old, repl, s string) string { return strings.ReplaceAll(s, old, repl) },
		"contains":   func(sub, s string) bool { return strings.Contains(s, sub) },
		"list":       func(v ...interface{}) []interface{} { return v },
		"dict": func(kv ...interface{}) map[string]interface{} {
			d := map[string]interface{}{}
			for i := 0; i+1 < len(kv); i += 2 {
				d[str(kv[i])] = kv[i+1]
			}
			return d
		},
		"append": func(l []interface{}, v interface{}) []interface{} { return append(l, v) },
		"join": func(sep string, l []interface{}) string {
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = str(e)
			}
			return strings.Join(parts, sep)
		},
		"int": func(v interface{}) int {
			switch t := v.(type) {
			case float64:
				return int(t)
			case int:
				return t
			case string:
				var n int
				fmt.Sscanf(t, "%d", &n)
				return n
			}
			return 0
		},
	}
}
