/**
 * Contract validator: checks an HTTP response body against the PingOne MFA OpenAPI 3.0 document.
 *
 * The document is read at runtime (never copied) from `PINGONE_OPENAPI_PATH` when set, otherwise
 * from `../shared/reference/pingone-mfa-openapi.yaml` relative to the repository root.
 *
 * OpenAPI 3.0 handling, on top of Ajv (draft-07, `strict: false`, `allErrors: true`, ajv-formats):
 * - `nullable: true` next to `type` is Ajv's native keyword; `nullable` without `type` has no
 *   effect in OpenAPI 3.0.3 (and Ajv would refuse to compile it), so it is dropped.
 * - `readOnly`, `writeOnly`, `example`, `discriminator`, `deprecated`, `x-*` are annotations here
 *   (Ajv's `discriminator` option stays off). A property that is `writeOnly` is removed from the
 *   `required` list of the same schema object, since OpenAPI says it is never sent in responses.
 * - `oneOf` is checked as `anyOf` (at least one alternative must match). The document's `oneOf`
 *   alternatives are not mutually exclusive: `DeviceAuthenticationPolicyPostResponse` is
 *   `oneOf: [DeviceAuthenticationPolicy, EntityArray]` and every policy object also satisfies
 *   `EntityArray` (no required properties), so a literal `oneOf` would reject every correct
 *   single-policy create response.
 * - Formats the document uses that ajv-formats does not know are accepted without a check.
 * - No `additionalProperties: false` is added anywhere: bodies are checked as the schemas are written.
 */
import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

export interface ContractCheck {
  /** path template + method found, e.g. `GET /environments/{environmentID}/mfaSettings` */
  operation: string;
  valid: boolean;
  errors: string[];
}

export interface ResponseUnderTest {
  method: string;
  url: string;
  status: number;
  contentType?: string;
  body: unknown;
}

type Rec = Record<string, unknown>;

interface Operation {
  /** `METHOD /template` */
  key: string;
  method: string;
  /** the method as spelled in the document (for JSON pointers) */
  methodKey: string;
  template: string;
  operationId: string | undefined;
  segments: readonly string[];
  literalCount: number;
  responses: Rec;
}

interface ContractModel {
  doc: Rec;
  ajv: Ajv;
  operations: Operation[];
  validators: Map<string, ValidateFunction>;
}

/** `$id` under which the document's component schemas are registered with Ajv. */
const DOC_ID = 'pingone-mfa.yaml';
const DEFAULT_DOC_URL = new URL(
  '../../../shared/reference/pingone-mfa-openapi.yaml',
  import.meta.url,
);
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const addFormats = addFormatsModule.default;
const models = new Map<string, ContractModel>();

const isRecord = (value: unknown): value is Rec =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The OpenAPI document in use: `PINGONE_OPENAPI_PATH` (resolved against the cwd) or the shared reference copy. */
export function openApiDocPath(): string {
  const fromEnv = process.env.PINGONE_OPENAPI_PATH;
  return fromEnv ? resolvePath(fromEnv) : fileURLToPath(DEFAULT_DOC_URL);
}

// ---------------------------------------------------------------------------------------------
// Loading and schema normalisation

interface NormalizeContext {
  /** Prepended to local `#/...` refs (empty for schemas that live inside the registered document). */
  refPrefix: string;
  formats: Set<string>;
  /** JSON pointer of this schema in the OpenAPI document, for error messages. */
  pointer: string;
}

/** Normalised schema object → its JSON pointer in the OpenAPI document. */
const schemaLocations = new WeakMap<object, string>();
const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const SCHEMA_KEYWORDS = new Set([
  'additionalProperties',
  'items',
  'not',
  'additionalItems',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
]);

function normalizeSchema(node: unknown, ctx: NormalizeContext): unknown {
  if (!isRecord(node)) return node;
  const out: Rec = {};
  schemaLocations.set(out, ctx.pointer);
  const at = (...keys: string[]): NormalizeContext => ({
    ...ctx,
    pointer: [ctx.pointer, ...keys.map(escapePointer)].join('/'),
  });
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.startsWith('#') ? ctx.refPrefix + value : value;
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, normalizeSchema(sub, at(key, name))]),
      );
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub: unknown, i) => normalizeSchema(sub, at(key, String(i))));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = normalizeSchema(value, at(key));
    } else {
      out[key] = value;
    }
  }
  if (typeof out.format === 'string') ctx.formats.add(out.format);
  if ('nullable' in out && out.type === undefined) delete out.nullable;
  if (Array.isArray(out.oneOf)) {
    const alternatives = out.oneOf;
    delete out.oneOf;
    if (out.anyOf === undefined) out.anyOf = alternatives;
    else {
      const allOf: unknown[] = Array.isArray(out.allOf) ? out.allOf : [];
      out.allOf = [...allOf, { anyOf: alternatives }];
    }
  }
  if (Array.isArray(out.required) && isRecord(out.properties)) {
    const props = out.properties;
    out.required = out.required.filter((name: unknown) => {
      const prop = typeof name === 'string' ? props[name] : undefined;
      return !(isRecord(prop) && prop.writeOnly === true);
    });
  }
  return out;
}

function templateSegments(template: string): string[] {
  return template.split('/').filter((segment) => segment !== '');
}

const isParamSegment = (segment: string): boolean => /^\{[^/{}]+\}$/.test(segment);

function loadModel(docPath: string): ContractModel {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(docPath, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`openapi-contract: cannot load OpenAPI document ${docPath}: ${reason}`, {
      cause: error,
    });
  }
  if (!isRecord(parsed) || !isRecord(parsed.paths)) {
    throw new Error(`openapi-contract: ${docPath} is not an OpenAPI document (no paths)`);
  }
  const doc = parsed;

  const operations: Operation[] = [];
  for (const [template, pathItem] of Object.entries(parsed.paths)) {
    if (!isRecord(pathItem)) continue;
    const segments = templateSegments(template);
    for (const [method, op] of Object.entries(pathItem)) {
      if (!HTTP_METHODS.has(method.toLowerCase()) || !isRecord(op)) continue;
      const upper = method.toUpperCase();
      operations.push({
        key: `${upper} ${template}`,
        method: upper,
        methodKey: method,
        template,
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        segments,
        literalCount: segments.filter((s) => !isParamSegment(s)).length,
        responses: isRecord(op.responses) ? op.responses : {},
      });
    }
  }

  const formats = new Set<string>();
  const components = isRecord(doc.components) ? doc.components : {};
  const rawSchemas = isRecord(components.schemas) ? components.schemas : {};
  const schemas: Rec = {};
  for (const [name, schema] of Object.entries(rawSchemas)) {
    schemas[name] = normalizeSchema(schema, {
      refPrefix: '',
      formats,
      pointer: `#/components/schemas/${escapePointer(name)}`,
    });
  }

  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
  addFormats(ajv);
  for (const format of formats) {
    if (!(format in ajv.formats)) ajv.addFormat(format, true);
  }
  ajv.addSchema({ $id: DOC_ID, components: { schemas } });

  return { doc, ajv, operations, validators: new Map() };
}

function currentModel(): ContractModel {
  const docPath = openApiDocPath();
  let model = models.get(docPath);
  if (!model) {
    model = loadModel(docPath);
    models.set(docPath, model);
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// Lookup helpers

/** Resolves a local JSON pointer (`#/components/responses/X`) inside the document. */
function resolveLocalRef(doc: Rec, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw);
    } catch {
      key = raw;
    }
    key = key.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

interface Located {
  node: unknown;
  /** JSON pointer of `node` in the document. */
  pointer: string;
}

/** Follows `$ref`s of a response object (e.g. to `#/components/responses/X`). */
function derefResponse(doc: Rec, response: Located): { node: Rec; pointer: string } | undefined {
  let { node, pointer } = response;
  for (let hops = 0; hops < 16 && isRecord(node) && typeof node.$ref === 'string'; hops++) {
    pointer = node.$ref;
    node = resolveLocalRef(doc, node.$ref);
  }
  if (node === null || node === undefined) return { node: {}, pointer }; // `"204":` with nothing under it
  return isRecord(node) ? { node, pointer } : undefined;
}

function urlSegments(url: string): string[] {
  const pathname = new URL(url, 'http://contract.invalid').pathname;
  const all = pathname.split('/').slice(1);
  const v1 = all.indexOf('v1');
  const rest = v1 >= 0 ? all.slice(v1 + 1) : all;
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  return rest.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

function findOperation(model: ContractModel, method: string, url: string): Operation | undefined {
  const upper = method.toUpperCase();
  const segments = urlSegments(url);
  let best: Operation | undefined;
  for (const op of model.operations) {
    if (op.method !== upper || op.segments.length !== segments.length) continue;
    const matches = op.segments.every((tpl, i) => {
      const actual = segments[i] ?? '';
      return isParamSegment(tpl) ? actual !== '' && !actual.includes('/') : tpl === actual;
    });
    if (matches && (!best || op.literalCount > best.literalCount)) best = op;
  }
  return best;
}

/** The documented response for a status: exact code, then `4XX`-style range, then `default`. */
function findResponse(op: Operation, status: number): Located | undefined {
  const base = `#/paths/${escapePointer(op.template)}/${op.methodKey}/responses/`;
  const range = `${Math.floor(status / 100)}XX`;
  const key =
    String(status) in op.responses
      ? String(status)
      : (Object.keys(op.responses).find((k) => k.toUpperCase() === range) ??
        ('default' in op.responses ? 'default' : undefined));
  return key === undefined
    ? undefined
    : { node: op.responses[key], pointer: base + escapePointer(key) };
}

const mediaTypeOf = (contentType: string): string =>
  (contentType.split(';')[0] ?? '').trim().toLowerCase();

const isJsonMediaType = (mediaType: string): boolean =>
  mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');

interface MediaEntry {
  key: string;
  mediaType: string;
  media: unknown;
}

/**
 * Picks the documented media type entry for the response's content type. Any JSON-ish content
 * type (`application/hal+json`, `…+json`, or none given) uses the doc's `application/json` entry.
 */
function pickMedia(content: Rec, contentType: string | undefined): MediaEntry | undefined {
  const entries: MediaEntry[] = Object.entries(content).map(([key, media]) => ({
    key,
    mediaType: mediaTypeOf(key),
    media,
  }));
  const wanted = contentType ? mediaTypeOf(contentType) : 'application/json';
  const wildcard = (): MediaEntry | undefined =>
    entries.find((e) => e.mediaType === `${wanted.split('/')[0] ?? ''}/*`) ??
    entries.find((e) => e.mediaType === '*/*');
  if (isJsonMediaType(wanted)) {
    return (
      entries.find((e) => e.mediaType === 'application/json') ??
      entries.find((e) => isJsonMediaType(e.mediaType)) ??
      wildcard()
    );
  }
  return entries.find((e) => e.mediaType === wanted) ?? wildcard();
}

const isEmptyBody = (body: unknown): boolean => body === undefined || body === null || body === '';

function formatError(error: ErrorObject): string {
  const params: Rec = error.params;
  const where = error.instancePath === '' ? '/' : error.instancePath;
  let message = error.message ?? `failed ${error.keyword}`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message += ` ${JSON.stringify(params.allowedValues)}`;
  } else if (error.keyword === 'anyOf') {
    message = 'must match at least one of the alternatives (oneOf/anyOf)';
  }
  const location = error.parentSchema ? schemaLocations.get(error.parentSchema) : undefined;
  return location ? `${where} ${message} (schema ${location})` : `${where} ${message}`;
}

/** Compiled validator for the response schema at `pointer` (cached per document). */
function validatorFor(model: ContractModel, pointer: string, schema: unknown): ValidateFunction {
  const cached = model.validators.get(pointer);
  if (cached) return cached;
  const formats = new Set<string>();
  const normalized = normalizeSchema(schema, { refPrefix: DOC_ID, formats, pointer });
  for (const format of formats) {
    if (!(format in model.ajv.formats)) model.ajv.addFormat(format, true);
  }
  let validate: ValidateFunction;
  try {
    validate = model.ajv.compile(isRecord(normalized) ? normalized : { allOf: [normalized] });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`openapi-contract: cannot compile the schema at ${pointer}: ${reason}`, {
      cause: error,
    });
  }
  model.validators.set(pointer, validate);
  return validate;
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Finds the operation in the OpenAPI doc for a concrete request and validates the response body
 * against the schema the doc gives for that status and content type. `undefined` when the doc
 * does not model that path + method.
 */
export function checkResponse(input: ResponseUnderTest): ContractCheck | undefined {
  const model = currentModel();
  const op = findOperation(model, input.method, input.url);
  if (!op) return undefined;
  const operation = op.key;
  const fail = (...errors: string[]): ContractCheck => ({ operation, valid: false, errors });
  const pass = (): ContractCheck => ({ operation, valid: true, errors: [] });

  if (input.status === 204) {
    return isEmptyBody(input.body) ? pass() : fail('status 204 must not carry a body');
  }

  const documented = findResponse(op, input.status);
  if (!documented) {
    return fail(`status ${input.status} not documented for ${operation}`);
  }
  const response = derefResponse(model.doc, documented);
  if (!response) {
    return fail(`status ${input.status} of ${operation} has an unresolvable response object`);
  }
  const content = isRecord(response.node.content) ? response.node.content : undefined;
  if (!content || Object.keys(content).length === 0) {
    return isEmptyBody(input.body)
      ? pass()
      : fail(`status ${input.status} of ${operation} documents no body, but one was returned`);
  }

  const picked = pickMedia(content, input.contentType);
  if (!picked) {
    return fail(
      `content type ${input.contentType ?? 'application/json'} not documented for status ` +
        `${input.status} of ${operation} (documented: ${Object.keys(content).join(', ')})`,
    );
  }
  const schema = isRecord(picked.media) ? picked.media.schema : undefined;
  // `application/json: {}` (no schema) or `schema: {}`: modelled but unconstrained.
  if (schema === undefined || (isRecord(schema) && Object.keys(schema).length === 0)) {
    return pass();
  }

  const schemaPointer = `${response.pointer}/content/${escapePointer(picked.key)}/schema`;
  const validate = validatorFor(model, schemaPointer, schema);
  if (validate(input.body)) return pass();
  const errors = [...new Set((validate.errors ?? []).map(formatError))];
  return fail(...(errors.length > 0 ? errors : ['body does not match the schema']));
}

/**
 * Throws an AssertionError listing the schema errors when the response is modelled and invalid;
 * returns whether it was modelled.
 */
export function assertContract(input: ResponseUnderTest): boolean {
  const result = checkResponse(input);
  if (!result) return false;
  if (result.valid) return true;
  let body: string;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    const json: unknown = JSON.stringify(input.body);
    body = typeof json === 'string' ? json : String(input.body);
  } catch {
    body = String(input.body);
  }
  if (body.length > 2000) body = `${body.slice(0, 2000)}…`;
  const op = findOperation(currentModel(), input.method, input.url);
  const opName = op?.operationId ? `${result.operation} (${op.operationId})` : result.operation;
  throw new AssertionError({
    message: [
      `Response does not match the PingOne MFA OpenAPI contract`,
      `  operation: ${opName}`,
      `  request:   ${input.method.toUpperCase()} ${input.url}`,
      `  response:  ${input.status} ${input.contentType ?? '(no content type given)'}`,
      `  errors:`,
      ...result.errors.map((e) => `    - ${e}`),
      `  body: ${body}`,
    ].join('\n'),
    actual: input.body,
    operator: 'assertContract',
  });
}

/** Every (method, pathTemplate) the doc models, e.g. `GET /environments/{environmentID}/mfaSettings`. */
export function modelledOperations(): string[] {
  return currentModel().operations.map((op) => op.key);
}
