import { describe, expect, it } from "vitest";
import type { RegisteredFunction } from "../../../local/devhost/app/registry.js";
import { RouteTable } from "../../../local/devhost/http/route-table.js";
import { compileRouteTemplate } from "../../../local/devhost/http/route-template.js";

function httpFunction(
  name: string,
  route: string | undefined,
  methods?: string[],
  authLevel = "anonymous",
): RegisteredFunction {
  const trigger = { type: "httpTrigger", direction: "in" as const, route, methods, authLevel };
  return {
    name,
    kind: "http",
    triggerName: "req",
    trigger,
    callback: () => undefined,
    metadata: { name, bindings: { req: trigger } },
  };
}

describe("route templates", () => {
  it("matches literals case-insensitively and decodes parameter values", () => {
    const t = compileRouteTemplate("Users/{name}/Orders");
    expect(t.match("users/ada%20l/orders")).toEqual({ name: "ada l" });
    expect(t.match("users/ada/orders/")).toEqual({ name: "ada" });
    expect(t.match("users/ada")).toBeUndefined();
    expect(t.match("users/%E0%A4%A/orders")).toBeUndefined();
  });

  it("applies constraints", () => {
    expect(compileRouteTemplate("items/{id:int}").match("items/42")).toEqual({ id: "42" });
    expect(compileRouteTemplate("items/{id:int}").match("items/4x")).toBeUndefined();
    expect(compileRouteTemplate("items/{id:int}").match("items/99999999999")).toBeUndefined();
    expect(compileRouteTemplate("items/{id:int:min(10)}").match("items/9")).toBeUndefined();
    expect(compileRouteTemplate("items/{id:range(1,5)}").match("items/5")).toEqual({ id: "5" });
    expect(compileRouteTemplate("g/{id:guid}").match("g/6f9619ff-8b86-d011-b42d-00c04fc964ff")).toBeDefined();
    expect(compileRouteTemplate("g/{id:guid}").match("g/not-a-guid")).toBeUndefined();
    expect(compileRouteTemplate("a/{v:alpha}").match("a/abc")).toEqual({ v: "abc" });
    expect(compileRouteTemplate("a/{v:alpha}").match("a/ab1")).toBeUndefined();
    expect(compileRouteTemplate("b/{v:bool}").match("b/True")).toEqual({ v: "True" });
    expect(compileRouteTemplate("l/{v:length(2,3)}").match("l/abcd")).toBeUndefined();
    expect(compileRouteTemplate("r/{slug:regex(^[a-z]+-[0-9]+$)}").match("r/abc-12")).toEqual({ slug: "abc-12" });
    expect(compileRouteTemplate("r/{slug:regex(^[a-z]+-[0-9]+$)}").match("r/abc")).toBeUndefined();
  });

  it("supports optional parameters, defaults and catch-alls", () => {
    const optional = compileRouteTemplate("items/{category}/{id?}");
    expect(optional.match("items/books")).toEqual({ category: "books" });
    expect(optional.match("items/books/7")).toEqual({ category: "books", id: "7" });
    expect(compileRouteTemplate("page/{n=1}").match("page")).toEqual({ n: "1" });
    expect(compileRouteTemplate("files/{*path}").match("files/a/b%20c/d.txt")).toEqual({ path: "a/b c/d.txt" });
    expect(compileRouteTemplate("files/{*path}").match("files")).toEqual({});
    expect(compileRouteTemplate("{file}.{ext}").match("report.pdf")).toEqual({ file: "report", ext: "pdf" });
  });

  it("rejects malformed templates with a clear error", () => {
    expect(() => compileRouteTemplate("a/{id")).toThrow(/unclosed/);
    expect(() => compileRouteTemplate("a/{id}/{id}")).toThrow(/twice/);
    expect(() => compileRouteTemplate("a/{*rest}/b")).toThrow(/catch-all/);
    expect(() => compileRouteTemplate("a/{x:nosuch}")).toThrow(/not supported/);
    expect(() => compileRouteTemplate("a/{x?}/b")).toThrow(/optional/);
    expect(() => compileRouteTemplate("a//b")).toThrow(/empty segment/);
  });
});

describe("route table", () => {
  const table = new RouteTable([
    httpFunction("byId", "items/{id}", ["GET"]),
    httpFunction("latest", "items/latest", ["GET"]),
    httpFunction("create", "items", ["POST"]),
    httpFunction("catchAll", "{*anything}", ["GET"]),
    httpFunction("byName", undefined),
  ]);

  it("prefers literal segments, then parameters, then catch-alls", () => {
    expect(table.lookup("GET", "items/latest")).toMatchObject({ kind: "match", route: { fn: { name: "latest" } } });
    expect(table.lookup("GET", "items/7")).toMatchObject({
      kind: "match",
      route: { fn: { name: "byId" } },
      params: { id: "7" },
    });
    expect(table.lookup("GET", "somewhere/else")).toMatchObject({ kind: "match", route: { fn: { name: "catchAll" } } });
  });

  it("uses the function name when no route is given, and reports 405 with the allowed methods", () => {
    expect(table.lookup("DELETE", "byName")).toMatchObject({ kind: "match", route: { fn: { name: "byName" } } });
    // "items" is also matched by the GET catch-all, so both methods are allowed there.
    expect(table.lookup("PUT", "items")).toEqual({ kind: "method-not-allowed", allowed: ["GET", "POST"] });
    expect(new RouteTable([httpFunction("create", "items", ["POST"])]).lookup("PUT", "items")).toEqual({
      kind: "method-not-allowed",
      allowed: ["POST"],
    });
  });

  it("answers a repeated lookup the same way: a parameterless match is remembered, parameters are read afresh", () => {
    const first = table.lookup("POST", "items");
    expect(first).toMatchObject({ kind: "match", route: { fn: { name: "create" } }, params: {} });
    expect(table.lookup("post", "items")).toBe(first);
    expect(Object.isFrozen((first as { params: object }).params)).toBe(true);
    // The same path with another method is still looked up, not answered from what POST found.
    expect(table.lookup("PUT", "items")).toEqual({ kind: "method-not-allowed", allowed: ["GET", "POST"] });
    expect(table.lookup("GET", "items/7")).toMatchObject({ params: { id: "7" } });
    expect(table.lookup("GET", "items/8")).toMatchObject({ params: { id: "8" } });
  });

  it("refuses an unknown authLevel when the table is built", () => {
    expect(() => new RouteTable([httpFunction("odd", "odd", ["GET"], "system")])).toThrow(/authLevel/);
  });
});
