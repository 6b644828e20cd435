"""A fake `az` and `azd` for the unit test of infra/hooks/approver-app.sh (nothing else uses it).

It records every call, keeps a small Microsoft Graph state in a JSON file, and applies the Graph rules the hook
depends on, as documented:
- application upsert (https://learn.microsoft.com/graph/api/application-upsert): PATCH /applications(uniqueName='x')
  creates (201 + body) only with `Prefer: create-if-missing`; without it a missing application is 404; an existing one
  is updated (204).
- appRole `isEnabled` (microsoft-graph-docs appRole.md): an enabled role cannot be removed (here: its id replaced).
- identifier URIs under the strict default policy (entra-docs identifier-uri-restrictions.md): only api://{appId} or
  api://{tenantId}/{appId}.
`--query` is evaluated with jmespath, the library the real Azure CLI uses; `-o tsv` prints a scalar, or one line per
item of a list, as knack's TSV output does (knack/output.py), with None as "None".

Environment: FAKE_STATE (state JSON), FAKE_LOG (one JSON line per call), FAKE_TENANT, FAKE_AZD_ENV (azd values),
FAKE_FAIL (comma list: account, get-app-403).
"""

import json
import os
import sys
import uuid

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import jmespath  # noqa: E402

GRAPH = "https://graph.microsoft.com/v1.0"


def load(path, default):
    try:
        with open(path, encoding="utf8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def save(path, value):
    with open(path, "w", encoding="utf8") as f:
        json.dump(value, f, indent=2)


def http_error(status, reason, code, message):
    body = json.dumps({"error": {"code": code, "message": message}})
    sys.stderr.write(f"ERROR: {reason}({body})\n")
    sys.exit(1)


def emit(result, args):
    if result is None:
        return
    query = args.get("--query")
    if query:
        result = jmespath.search(query, result)
    if args.get("-o") == "tsv" or args.get("--output") == "tsv":
        items = result if isinstance(result, list) else [result]
        for item in items:
            if isinstance(item, (dict, list)):
                sys.exit("fake az: tsv of nested values is not supported")
            sys.stdout.write(f"{item}\n")
    else:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")


def parse(argv):
    args, headers, i = {}, [], 0
    while i < len(argv):
        key = argv[i]
        if not key.startswith("-") or i + 1 >= len(argv):
            i += 1
            continue
        if key == "--headers":
            headers.append(argv[i + 1])
        else:
            args[key] = argv[i + 1]
        i += 2
    return args, headers


def body_of(args):
    raw = args.get("--body")
    if raw is None:
        return None
    if raw.startswith("@"):
        with open(raw[1:], encoding="utf8") as f:
            raw = f.read()
    return json.loads(raw)


def check_application(app, tenant):
    for uri in app.get("identifierUris", []):
        if uri not in (f"api://{app['appId']}", f"api://{tenant}/{app['appId']}"):
            http_error(400, "Bad Request", "Request_BadRequest", f"The newly added URI {uri} must comply with the format 'api://{{appId}}'")
    scope_ids = {s["id"] for s in app.get("api", {}).get("oauth2PermissionScopes", [])}
    for pre in app.get("api", {}).get("preAuthorizedApplications", []):
        for pid in pre.get("delegatedPermissionIds", []):
            if pid not in scope_ids:
                http_error(400, "Bad Request", "Request_BadRequest", f"permission {pid} is not a scope of the application")


def az_rest(state, args, headers, tenant, fail):
    method = args["--method"].lower()
    url = args["--url"]
    assert url.startswith(GRAPH + "/"), url
    path = url[len(GRAPH) + 1 :]
    apps, sps = state["applications"], state["servicePrincipals"]
    if path.startswith("applications(uniqueName='"):
        name = path[len("applications(uniqueName='") : path.index("')")]
        app = apps.get(name)
        if method == "get":
            if "get-app-403" in fail:
                http_error(403, "Forbidden", "Authorization_RequestDenied", "Insufficient privileges")
            if app is None:
                http_error(404, "Not Found", "Request_ResourceNotFound", f"Resource '{name}' does not exist")
            return app
        if method == "patch":
            body = body_of(args)
            if app is None:
                if "Prefer=create-if-missing" not in headers:
                    http_error(404, "Not Found", "Request_ResourceNotFound", f"Resource '{name}' does not exist")
                if "displayName" not in body:
                    http_error(400, "Bad Request", "Request_BadRequest", "displayName is required")
                app = {"id": str(uuid.uuid4()), "appId": str(uuid.uuid4()), "uniqueName": name, **body}
                check_application(app, tenant)
                apps[name] = app
                return app
            old_roles = {r["id"]: r for r in app.get("appRoles", [])}
            new_ids = {r["id"] for r in body.get("appRoles", app.get("appRoles", []))}
            for rid, role in old_roles.items():
                if rid not in new_ids and role.get("isEnabled", True):
                    http_error(400, "Bad Request", "CannotDeleteOrUpdateEnabledEntitlement", f"role {rid} must be disabled before it is deleted")
            updated = {**app, **body}
            check_application(updated, tenant)
            apps[name] = updated
            return None
    if path.startswith("servicePrincipals(appId='"):
        app_id = path[len("servicePrincipals(appId='") : path.index("')")]
        sp = sps.get(app_id)
        if sp is None:
            http_error(404, "Not Found", "Request_ResourceNotFound", f"Resource '{app_id}' does not exist")
        if method == "get":
            return sp
        if method == "patch":
            sps[app_id] = {**sp, **body_of(args)}
            return None
    if path == "servicePrincipals" and method == "post":
        app_id = body_of(args)["appId"]
        if not any(a["appId"] == app_id for a in apps.values()):
            http_error(400, "Bad Request", "Request_BadRequest", "The appId of the service principal does not reference a valid application object")
        if app_id in sps:
            http_error(409, "Conflict", "Request_MultipleObjectsWithSameKeyValue", "already exists")
        sps[app_id] = {"id": str(uuid.uuid4()), "appId": app_id}
        return sps[app_id]
    http_error(400, "Bad Request", "Request_UnsupportedQuery", f"the fake does not know {method.upper()} {path}")


def main():
    tool, argv = sys.argv[1], sys.argv[2:]
    with open(os.environ["FAKE_LOG"], "a", encoding="utf8") as log:
        log.write(json.dumps([tool, *argv]) + "\n")
    fail = set(filter(None, os.environ.get("FAKE_FAIL", "").split(",")))
    tenant = os.environ["FAKE_TENANT"]
    if tool == "azd":
        env_path = os.environ["FAKE_AZD_ENV"]
        values = load(env_path, {})
        if argv[:2] == ["env", "set"]:
            values[argv[2]] = argv[3]
            save(env_path, values)
            return
        if argv[:2] == ["env", "get-value"]:
            if argv[2] not in values:
                sys.stderr.write(f"ERROR: key '{argv[2]}' not found\n")
                sys.exit(1)
            print(values[argv[2]])
            return
        sys.exit(f"fake azd: unknown command {argv}")
    args, headers = parse(argv[1:])
    if argv[:2] == ["account", "show"]:
        if "account" in fail:
            sys.stderr.write("ERROR: Please run 'az login' to setup account.\n")
            sys.exit(1)
        return emit({"tenantId": tenant, "id": "00000000-0000-0000-0000-000000000000"}, args)
    if argv[:2] == ["cloud", "show"]:
        return emit({"name": "AzureCloud", "endpoints": {"microsoftGraphResourceId": "https://graph.microsoft.com/"}}, args)
    if argv[0] == "rest":
        state_path = os.environ["FAKE_STATE"]
        state = load(state_path, {"applications": {}, "servicePrincipals": {}})
        result = az_rest(state, args, headers, tenant, fail)
        save(state_path, state)
        return emit(result, args)
    sys.exit(f"fake az: unknown command {argv}")


main()
