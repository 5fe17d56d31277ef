#!/usr/bin/python3
"""trace_wine.py - a test tool, not part of the build: the independent
tracer behind the expectations of test_pmml_wine.c for the GLMs, the random
forest and the MLP. It shares no code with our evaluator: it reads each
seed PMML document with xml.etree and computes the sample rows of
winequality_red.csv straight from the spec's formulas (GLM: sum of beta *
predictor; forest: walk each tree, average the leaves' recordCount shares;
MLP: logistic hidden layers, identity + softmax output).

    tests/pmml/trace_wine.py ../shared/data
"""
import math, sys, xml.etree.ElementTree as ET
D = sys.argv[1]
rows = [list(map(float, l.split(';'))) for l in open(D + '/winequality_red.csv')]
names = ["fixed acidity","volatile acidity","citric acid","residual sugar","chlorides",
 "free sulfur dioxide","total sulfur dioxide","density","pH","sulphates","alcohol"]
sample = [1, 2, 27, 199, 501, 1001, 1599]
def strip(t): return t.split('}')[1]
def kids(e, n=None): return [c for c in e if n is None or strip(c.tag) == n]
def rec(line): return dict(zip(names, rows[line-1][:11]))

def glm(f):
    m = ET.parse(D + '/' + f).getroot()
    g = [e for e in m if strip(e.tag) == 'GeneralRegressionModel'][0]
    beta = {c.get('parameterName'): float(c.get('beta')) for c in kids(kids(g, 'ParamMatrix')[0])}
    pp = {c.get('parameterName'): c.get('predictorName') for c in kids(kids(g, 'PPMatrix')[0])}
    out = []
    for l in sample:
        x = rec(l)
        out.append(sum(b * (x[pp[p]] if p in pp else 1.0) for p, b in beta.items()))
    return out

def tree_walk(node, x):
    while True:
        nxt = None
        for c in kids(node, 'Node'):
            p = c[0]; t = strip(p.tag)
            if t == 'True': ok = True
            else:
                v, op, val = x[p.get('field')], p.get('operator'), float(p.get('value'))
                ok = {'lessOrEqual': v <= val, 'greaterThan': v > val, 'lessThan': v < val,
                      'greaterOrEqual': v >= val, 'equal': v == val}[op]
            if ok: nxt = c; break
        if nxt is None: return node
        node = nxt

def forest():
    m = ET.parse(D + '/winequalityRandonForrestClassification.pmml').getroot()
    mm = [e for e in m if strip(e.tag) == 'MiningModel'][0]
    labels = [v.get('value') for v in m.iter('{http://www.dmg.org/PMML-4_3}Value')]
    segs = kids(kids(mm, 'Segmentation')[0], 'Segment')
    out = []
    for l in sample:
        x = rec(l); acc = {k: 0.0 for k in labels}
        for s in segs:
            leaf = tree_walk(kids(kids(s, 'TreeModel')[0], 'Node')[0], x)
            sd = {d.get('value'): float(d.get('recordCount')) for d in kids(leaf, 'ScoreDistribution')}
            tot = sum(sd.values())
            for k in labels: acc[k] += sd.get(k, 0.0) / tot / len(segs)
        out.append([acc[k] for k in labels])
    return labels, out

def mlp():
    m = ET.parse(D + '/winequalityMultilayerPerceptron.pmml').getroot()
    nn = [e for e in m if strip(e.tag) == 'NeuralNetwork'][0]
    out = []
    for l in sample:
        x = rec(l); a = {}
        for ni in kids(kids(nn, 'NeuralInputs')[0]):
            a[ni.get('id')] = x[ni[0][0].get('field')]
        for layer in kids(nn, 'NeuralLayer'):
            act = layer.get('activationFunction', nn.get('activationFunction'))
            z = {}
            for n in kids(layer, 'Neuron'):
                s = float(n.get('bias', 0)) + sum(float(c.get('weight')) * a[c.get('from')] for c in kids(n, 'Con'))
                z[n.get('id')] = 1 / (1 + math.exp(-s)) if act == 'logistic' else s
            if layer.get('normalizationMethod') == 'softmax':
                e = {k: math.exp(v) for k, v in z.items()}; t = sum(e.values())
                z = {k: v / t for k, v in e.items()}
            a.update(z)
        outs = kids(kids(nn, 'NeuralOutputs')[0])
        out.append([(o[0][0].get('value'), a[o.get('outputNeuron')]) for o in outs])
    return out

for f in ['winequalityGeneralizedLinearRegressionGamma.pmml', 'winequalityGeneralizedLinearRegressionGaussian.pmml']:
    print(f, ', '.join(repr(v) for v in glm(f)))
labels, fo = forest()
print('forest labels', labels)
for l, p in zip(sample, fo): print('forest', l, ', '.join(repr(v) for v in p))
for l, p in zip(sample, mlp()): print('mlp', l, p)
