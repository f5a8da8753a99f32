"""Expanding a template into the resources it deploys: nested child resources,
copy loops (serial batches become dependencies), conditions, resource ids,
dependsOn (by name, type/name, id, copy loop or symbolic name), implicit
reference() dependencies found statically, and cycle detection."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from .. import typenames
from .errors import ExpressionError, TemplateError, validation_failed
from .evaluate import BODY, PLAN, Ctx, Deployment, copy_count, eval_node, evaluate, variable_table
from .expressions import calls_in, is_expression, parse
from .ids import build_id, extension_id, provider_path, scope_prefix

BODY_FIELDS = ("location", "tags", "sku", "kind", "zones", "identity", "plan", "extendedLocation", "properties",
               "managedBy", "scale")
DEPLOYMENTS = "microsoft.resources/deployments"
RESOURCE_GROUPS = typenames.RESOURCE_GROUP.lower()


@dataclass
class PlannedResource:
    """One resource instance the template deploys."""

    key: str                          # the lower-cased resource id: unique in a deployment
    resource_id: str
    type: str                         # full type, "Microsoft.Network/virtualNetworks/subnets"
    name: str                         # full name, "vnet/subnet"
    api_version: str
    template_resource: dict[str, Any]  # the resource as written (unevaluated)
    ctx: Ctx                          # where its expressions evaluate (copy index in force)
    depends_on: set[str] = field(default_factory=set)     # keys of resources deployed first
    loop: str | None = None           # the copy loop's name
    index: int | None = None          # the copy index
    symbolic_name: str | None = None  # languageVersion 2.0 resources object key
    put_body: dict[str, Any] | None = None   # the evaluated PUT body, once known (None: needs runtime values)

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def is_deployment(self) -> bool:
        return self.type.lower() == DEPLOYMENTS

    @property
    def body(self) -> dict[str, Any] | None:
        """The resource as a listing shows it (name, type and the evaluated fields), or None when runtime values
        are needed to know it."""
        if self.put_body is None:
            return None
        return {"name": self.short_name, "type": self.type, **self.put_body}


@dataclass
class Plan:
    resources: list[PlannedResource]
    root: Ctx
    by_key: dict[str, PlannedResource]
    lookup: dict[str, list[str]]       # dependsOn / reference() spellings -> keys
    skipped: set[str]                  # spellings of resources whose condition is false

    def resolve(self, text: str) -> list[str] | None:
        return self.lookup.get(_norm(text))


def _norm(text: str) -> str:
    return text.strip().rstrip("/").lower()


def resource_error(name: Any, message: str) -> TemplateError:
    return validation_failed(f"The template resource '{name}' is not valid: {message}. "
                             "Please see https://aka.ms/arm-functions for usage details")


def new_deployment(template: dict[str, Any], scope: Any) -> Deployment:
    if not isinstance(template, dict):
        raise validation_failed("The template must be a JSON object")
    variables = template.get("variables") or {}
    if not isinstance(variables, dict):
        raise validation_failed("The template 'variables' section must be a JSON object")
    try:
        table = variable_table(variables)
    except ExpressionError as exc:
        raise validation_failed(exc.message) from None
    functions: dict[str, dict[str, Any]] = {}
    for ns in template.get("functions") or []:
        if isinstance(ns, dict):
            for member, spec in (ns.get("members") or {}).items():
                functions[f"{ns.get('namespace', '')}.{member}".lower()] = spec
    return Deployment(scope, {}, table, functions, template)


REQUIRED_MEMBERS = ("$schema", "contentVersion", "resources")


def check_shape(template: dict[str, Any]) -> None:
    """The members ARM requires of every template (top-level and nested), in the order it checks them."""
    present = {k.lower() for k in template}
    for member in REQUIRED_MEMBERS:
        if member.lower() not in present:
            raise validation_failed(f"Required property '{member}' not found in JSON. Path ''.")


def _entries(template: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    resources = template.get("resources") or []
    if isinstance(resources, dict):      # languageVersion 2.0: symbolic names
        return [(r, sym) for sym, r in resources.items()]
    if not isinstance(resources, list):
        raise validation_failed("The template 'resources' section must be a JSON array")
    return [(r, None) for r in resources]


def plan(template: dict[str, Any], d: Deployment, target_sub: str | None = None,
         target_rg: str | None | bool = False) -> Plan:
    """Expand the resources. ``target_*`` place the resources elsewhere than ``d.scope`` (outer-scope nested
    deployments); ``target_rg=False`` means the scope's resource group."""
    scope = d.scope
    sub = target_sub or scope.subscription_id
    rg = scope.resource_group if target_rg is False else target_rg
    root = Ctx(d, {}, PLAN)
    planned: list[PlannedResource] = []
    by_key: dict[str, PlannedResource] = {}
    loops: dict[str, list[PlannedResource]] = {}
    serial: dict[str, int] = {}
    skipped: set[str] = set()
    declared: dict[str, str] = {}     # nested children: key -> the name as declared inside the parent

    def expand(res: Any, sym: str | None, parent: PlannedResource | None) -> None:
        if not isinstance(res, dict):
            raise validation_failed("Each resource in the template's 'resources' must be a JSON object")
        if res.get("existing") is True:
            return
        copy = res.get("copy")
        loop_name: str | None = None
        indices: list[int | None] = [None]
        if copy is not None:
            if not isinstance(copy, dict) or "name" not in copy:
                raise resource_error(res.get("name"), "The copy property must be an object with a 'name' and a "
                                     "'count'")
            loop_name = str(copy["name"])
            try:
                indices = list(range(copy_count(copy, root, f"'{loop_name}'")))
            except ExpressionError as exc:
                raise resource_error(res.get("name"), exc.message) from None
            loops.setdefault(loop_name.lower(), [])
            skipped.add(loop_name.lower())
            if str(copy.get("mode", "parallel")).lower() == "serial":
                batch = copy.get("batchSize", 1)
                serial[loop_name.lower()] = batch if isinstance(batch, int) and batch > 0 else 1
        for i in indices:
            ctx = root.with_copy(loop_name, i, unnamed=True) if i is not None else root
            try:
                rtype = str(evaluate(res.get("type", ""), ctx))
                name = str(evaluate(res.get("name", ""), ctx))
                short = name
                if parent is not None and "/" not in rtype:
                    rtype, name = f"{parent.type}/{rtype}", f"{parent.name}/{name}"
                condition = evaluate(res["condition"], ctx) if "condition" in res else True
                api = str(evaluate(res.get("apiVersion", ""), ctx))
                rid = _resource_id(res, rtype, name, ctx, sub, rg)
            except ExpressionError as exc:
                raise resource_error(res.get("name"), exc.message) from None
            if not isinstance(condition, bool):
                raise resource_error(name, f"The condition must evaluate to a boolean, not '{condition}'")
            if not condition:
                skipped.update(_spellings(rid, rtype, name, sym))
                continue
            if not api and rtype.lower() != RESOURCE_GROUPS:
                raise resource_error(name, "The resource has no 'apiVersion'")
            item = PlannedResource(rid.lower(), rid, rtype, name, api, res, ctx.at(BODY), loop=loop_name, index=i,
                                   symbolic_name=sym)
            if item.key in by_key:
                raise validation_failed(f"The resource '{rid}' is defined multiple times "
                                        "in a template. Please see https://aka.ms/arm-syntax-resources for usage "
                                        "details")
            if parent is not None:
                item.depends_on.add(parent.key)
                declared[item.key] = short
            planned.append(item)
            by_key[item.key] = item
            if loop_name is not None:
                loops[loop_name.lower()].append(item)
            children = res.get("resources")
            if isinstance(children, list):
                for child in children:
                    expand(child, None, item)

    for res, sym in _entries(template):
        expand(res, sym, None)

    lookup: dict[str, list[str]] = {}
    for p in planned:
        spellings = _spellings(p.resource_id, p.type, p.name, p.symbolic_name)
        if p.key in declared:         # ARM accepts a nested child's declared short name in dependsOn
            spellings.add(_norm(declared[p.key]))
        for s in spellings:
            lookup.setdefault(s, []).append(p.key)
    for name, items in loops.items():
        lookup.setdefault(name, []).extend(p.key for p in items)
    for name, batch in serial.items():
        items = loops[name]
        for i, p in enumerate(items):
            start = (i // batch - 1) * batch
            if start >= 0:
                p.depends_on.update(q.key for q in items[start:start + batch])
    result = Plan(planned, root, by_key, lookup, skipped)
    _depends_on(result)
    _implicit_references(result)
    check_cycles(result)
    return result


def _resource_id(res: dict[str, Any], rtype: str, name: str, ctx: Ctx, sub: str, rg: str | None) -> str:
    if "/" not in rtype:
        raise ExpressionError(f"The resource type '{rtype}' is not valid: a fully qualified type "
                              "'<namespace>/<type>' is expected")
    names = name.split("/")
    low = rtype.lower()
    if low == RESOURCE_GROUPS:
        return f"/subscriptions/{sub}/resourceGroups/{name}"
    if "subscriptionId" in res:
        sub = str(evaluate(res["subscriptionId"], ctx))
    if "resourceGroup" in res:
        rg = str(evaluate(res["resourceGroup"], ctx))
    if "scope" in res:                                   # an extension resource: "scope": "[resourceId(...)]"
        base = str(evaluate(res["scope"], ctx))
        if not base.startswith("/"):
            base = scope_prefix(sub, rg) + "/providers/" + base if "/" in base else scope_prefix(sub, rg)
        return extension_id(base, rtype, names, "resource")
    if "/providers/" in low:                             # "Microsoft.Network/virtualNetworks/providers/locks"
        cut = low.index("/providers/")
        base_type, ext_tail = rtype[:cut], rtype[cut + len("/providers/"):]
        n_base = len(base_type.split("/")) - 1
        base = build_id(sub, rg, base_type, names[:n_base])
        ext_ns, ext_names = names[n_base], names[n_base + 1:]
        return base + provider_path(f"{ext_ns}/{ext_tail}", ext_names, "resource")
    return build_id(sub, rg, rtype, names)


def _spellings(rid: str, rtype: str, name: str, sym: str | None) -> set[str]:
    """How dependsOn and reference() may name a resource."""
    out = {_norm(rid), _norm(name), _norm(f"{rtype}/{name}")}
    low = rid.lower()
    if "/providers/" in low:
        out.add(_norm(rid[low.rindex("/providers/") + 11:]))     # "Microsoft.Network/virtualNetworks/vnet/..."
    if sym:
        out.add(_norm(sym))
    return out


def _depends_on(p: Plan) -> None:
    for item in p.resources:
        deps = item.template_resource.get("dependsOn") or []
        if not isinstance(deps, list):
            raise resource_error(item.name, "The 'dependsOn' property must be a JSON array")
        for dep in deps:
            try:
                ref = evaluate(dep, item.ctx.at(PLAN))
            except ExpressionError as exc:
                raise resource_error(item.name, exc.message) from None
            if not isinstance(ref, str):
                raise resource_error(item.name, f"The dependsOn entry '{dep}' must be a string")
            keys = p.resolve(ref)
            if keys is not None:
                item.depends_on.update(k for k in keys if k != item.key)
            elif _norm(ref) in p.skipped:
                continue          # a resource whose condition is false: the dependency is dropped
            else:
                raise validation_failed(f"The resource '{ref}' is not defined in the template. Please see "
                                        "https://aka.ms/arm-syntax for usage details")


_SCAN_CACHE: dict[int, tuple[Any, list[Any]]] = {}


def _reference_args(value: Any, d: Deployment, seen: set[str]) -> list[Any]:
    """The first-argument nodes of every reference() call in a JSON value, following variables('literal')."""
    out: list[Any] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if not is_expression(v) or "(" not in v:
                continue
            try:
                node = parse(v[1:-1])
            except ExpressionError:
                continue
            for call in calls_in(node):
                if call.name == "reference" and call.args:
                    out.append(call.args[0])
                elif call.name == "variables" and call.args and hasattr(call.args[0], "value"):
                    key = str(call.args[0].value).lower()
                    if key not in seen and key in d.variables:
                        seen.add(key)
                        raw = d.variables[key]
                        stack.append(getattr(raw, "loop", raw))
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def scan_fields(res: dict[str, Any]) -> dict[str, Any]:
    """The parts of a resource whose reference() calls make implicit dependencies."""
    fields = {k: v for k, v in res.items() if k in BODY_FIELDS}
    if str(res.get("type", "")).lower() == DEPLOYMENTS and isinstance(res.get("properties"), dict):
        props = res["properties"]
        if str((props.get("expressionEvaluationOptions") or {}).get("scope", "outer")).lower() == "inner":
            fields["properties"] = {k: v for k, v in props.items() if k != "template"}
    return fields


def _implicit_references(p: Plan) -> None:
    d = p.root.d
    for item in p.resources:
        res = item.template_resource
        cached = _SCAN_CACHE.get(id(res))
        if cached is None or cached[0] is not res:
            cached = (res, _reference_args(scan_fields(res), d, set()))
            _SCAN_CACHE[id(res)] = cached
            if len(_SCAN_CACHE) > 4096:
                _SCAN_CACHE.clear()
        for arg in cached[1]:
            try:
                target = eval_node(arg, item.ctx.at(PLAN))
            except ExpressionError:
                continue
            keys = p.resolve(target) if isinstance(target, str) else None
            if keys:
                item.depends_on.update(k for k in keys if k != item.key)


def check_cycles(p: Plan) -> None:
    """Raise InvalidTemplate naming a resource on a dependency cycle."""
    state: dict[str, int] = {}
    for start in p.resources:
        if state.get(start.key):
            continue
        stack: list[tuple[str, list[str]]] = [(start.key, sorted(p.by_key[start.key].depends_on))]
        state[start.key] = 1
        while stack:
            key, todo = stack[-1]
            if not todo:
                state[key] = 2
                stack.pop()
                continue
            nxt = todo.pop()
            if nxt not in p.by_key:
                continue
            if state.get(nxt) == 1:
                raise validation_failed(f"Circular dependency detected on resource: "
                                        f"'{p.by_key[nxt].resource_id}'. Please see "
                                        "https://aka.ms/arm-syntax-resources for usage details")
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, sorted(p.by_key[nxt].depends_on)))


def order(p: Plan) -> list[PlannedResource]:
    """A topological order that keeps template order where dependencies allow."""
    position = {r.key: i for i, r in enumerate(p.resources)}
    waiting = {r.key: {d for d in r.depends_on if d in p.by_key} for r in p.resources}
    dependents: dict[str, list[str]] = {}
    for key, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(key)
    ready = [position[k] for k, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    out: list[PlannedResource] = []
    while ready:
        item = p.resources[heapq.heappop(ready)]
        out.append(item)
        for nxt in dependents.get(item.key, []):
            waiting[nxt].discard(item.key)
            if not waiting[nxt]:
                heapq.heappush(ready, position[nxt])
    return out


def put_body(item: PlannedResource) -> dict[str, Any]:
    """The PUT body from the resource's fields, evaluated where it stands."""
    res = item.template_resource
    body: dict[str, Any] = {}
    for f in BODY_FIELDS:
        if f in res:
            if f == "properties" and item.is_deployment:
                body[f] = _deployment_properties(res[f], item.ctx)
            else:
                body[f] = evaluate(res[f], item.ctx)
    return body


def _deployment_properties(props: Any, ctx: Ctx) -> Any:
    """A nested deployment's properties: an inner-scope template is left for the nested deployment to evaluate;
    an outer-scope one is evaluated there too, against this deployment's values."""
    if not isinstance(props, dict):
        return evaluate(props, ctx)
    out = {k: evaluate(v, ctx) for k, v in props.items() if k != "template"}
    if "template" in props:
        out["template"] = props["template"]
    return out
