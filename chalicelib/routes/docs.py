"""The API contract: `GET /openapi.json` (the OpenAPI 3.1 document, chalicelib/openapi.py) and
`GET /docs`, a page that renders it. No token needed.

The page is one inline HTML file with a few lines of plain JavaScript that fetch openapi.json
from beside it (the same origin, whatever the stage prefix): nothing is loaded from the internet.
The document is built on the first request per container (it imports every schema module) and
kept; no DynamoDB access.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.routes._http import json_response, route

docs_api = Blueprint(__name__)


@route(docs_api, "/openapi.json", auth=None, response="responses.OpenApiDocument")
def openapi_document():
    """This document: every operation of the API, generated from the code."""
    from chalicelib.openapi import cached_document

    return json_response(cached_document(docs_api.current_app))


@route(docs_api, "/docs", auth=None, response=None, media_type="text/html")
def docs_page():
    """A page listing every operation, its parameters and schemas (from /openapi.json)."""
    return Response(body=DOCS_PAGE, status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8"})


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pan-shelf API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72em;padding:1em 2em;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2em}
details{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer}
code,pre{font:12px/1.4 ui-monospace,monospace}
pre{background:#f6f6f6;padding:.6em;overflow:auto}
.m{display:inline-block;width:4.5em;font-weight:bold}
.get{color:#2a7}.post{color:#27c}.put{color:#c80}.patch{color:#a5c}.delete{color:#c33}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
</style></head><body>
<h1>pan-shelf API</h1>
<p>Generated from the code: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>
<div id="doc">Loading…</div>
<script>
const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",
  '"':"&quot;"})[c]);
const ref = s => s && s.$ref ? `<a href="#${esc(s.$ref.split("/").pop())}">` +
  `${esc(s.$ref.split("/").pop())}</a>` : `<code>${esc(JSON.stringify(s))}</code>`;
const schemaOf = c => Object.values(c || {})[0]?.schema;
function operation(path, method, op) {
  const params = (op.parameters || []).map(p => `<tr><td><code>${esc(p.name)}</code></td>` +
    `<td>${p.in}</td><td>${p.required ? "yes" : ""}</td><td>${ref(p.schema)}</td>` +
    `<td>${esc(p.description)}</td></tr>`).join("");
  const body = op.requestBody ? `<p>Body: ${ref(schemaOf(op.requestBody.content))}</p>` : "";
  const answers = Object.entries(op.responses).map(([code, r]) => `<li>${code}: ` +
    (r.$ref ? esc(r.$ref.split("/").pop()) : esc(r.description) + " " +
     ref(schemaOf(r.content))) + "</li>").join("");
  return `<details><summary><span class="m ${method}">${method.toUpperCase()}</span>` +
    `<code>${esc(path)}</code> — ${esc(op.summary)}</summary>` +
    `<p>${esc(op.description)}</p>` +
    (params ? `<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th>` +
              `<th></th></tr>${params}</table>` : "") +
    `${body}<p>Responses:</p><ul>${answers}</ul></details>`;
}
fetch("openapi.json").then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      (byTag[op.tags[0]] ||= []).push(operation(path, method, op));
  const tags = doc.tags.map(t => `<h2>${esc(t.name)}</h2><p>${esc(t.description)}</p>` +
    (byTag[t.name] || []).join("")).join("");
  const schemas = Object.entries(doc.components.schemas).map(([name, s]) =>
    `<details id="${esc(name)}"><summary><code>${esc(name)}</code></summary>` +
    `<pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`).join("");
  document.getElementById("doc").innerHTML = `<pre>${esc(doc.info.description)}</pre>` +
    tags + `<h2>Schemas</h2>${schemas}`;
}).catch(error => { document.getElementById("doc").textContent = "openapi.json: " + error; });
</script></body></html>
"""
