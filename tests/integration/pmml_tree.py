"""An independent walker of the PMML trees the tests use (demogen's and
the seed's: SimplePredicate lessOrEqual/greaterThan and True, first true
child wins), written from the PMML specification in Python so that tests
never check the C evaluator against itself."""

NS = {"p": "http://www.dmg.org/PMML-4_3"}


def holds(node, x, names):
    pred = node.find("p:SimplePredicate", NS)
    if pred is None:
        return node.find("p:True", NS) is not None
    v, t = x[names.index(pred.get("field"))], float(pred.get("value"))
    return {"lessOrEqual": v <= t, "greaterThan": v > t}[pred.get("operator")]


def leaf(tree_model, x, names):
    """The Node a record x (values in the order of names) ends in, from the
    root Node of a TreeModel element; None when the root does not hold."""
    node = tree_model.find("p:Node", NS)
    if not holds(node, x, names):
        return None
    while True:
        child = next((c for c in node.findall("p:Node", NS) if holds(c, x, names)), None)
        if child is None:
            return node
        node = child
