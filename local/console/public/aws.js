// The AWS APIs of the local endpoint, called as any client calls them (same origin, no signature:
// the endpoint does not check one).

export class AwsError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'AwsError';
    this.code = code;
  }
}

/** Step Functions, JSON 1.0. Dates come back as epoch seconds. */
export async function sfn(action, body = {}) {
  const response = await fetch('/', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${action}`,
    },
    body: JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok) throw new AwsError(payload.__type ?? response.status, payload.message ?? '');
  return payload;
}

/** Every page of a Step Functions list. */
export async function sfnAll(action, body, key) {
  const items = [];
  let nextToken;
  do {
    const page = await sfn(action, { ...body, ...(nextToken ? { nextToken } : {}) });
    items.push(...(page[key] ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

/** ElastiCache, the Query protocol: form parameters in, XML out. */
export async function elasticache(action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: '2015-02-02', ...params });
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const xml = new DOMParser().parseFromString(await response.text(), 'text/xml');
  if (!response.ok) {
    throw new AwsError(
      textOf(xml.documentElement, 'Error/Code'),
      textOf(xml.documentElement, 'Error/Message'),
    );
  }
  return xml;
}

/** Every page of an ElastiCache Describe call (Marker/MaxRecords), as the elements named `member`. */
export async function elasticacheAll(action, member) {
  const items = [];
  let marker;
  do {
    const xml = await elasticache(action, { MaxRecords: '100', ...(marker ? { Marker: marker } : {}) });
    items.push(...xml.getElementsByTagName(member));
    marker = textOf(xml.documentElement, `${action}Result/Marker`) || undefined;
  } while (marker);
  return items;
}

/** The element at `path` (child names separated by `/`) below `element`, if there is one. */
function elementAt(element, path) {
  let current = element;
  for (const name of path.split('/')) {
    current = [...(current?.children ?? [])].find((child) => child.localName === name);
    if (!current) return undefined;
  }
  return current;
}

/** The text of the child element at `path` (`A/B/C`), or ''. */
export function textOf(element, path) {
  return elementAt(element, path)?.textContent ?? '';
}

/** The child elements of the list at `path`. */
export function listOf(element, path) {
  return [...(elementAt(element, path)?.children ?? [])];
}

/** The texts of the list at `path`. */
export function textsOf(element, path) {
  return listOf(element, path).map((member) => member.textContent);
}

export async function localJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}
