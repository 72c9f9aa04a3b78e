import { isRecord, parseJsonOrText } from '../json';
import { type SchemaNode, unwrap } from './fields';
import { ProvisionRequestSchema } from './schema';

/**
 * CloudFormation hands custom-resource properties over as strings ("3", "true", '["sg-1"]').
 * This turns them back into the types the request schema expects, following the schema itself;
 * anything that does not convert cleanly is left as it is for the validator to report.
 */
export function coerceCustomResourceProperties(properties: unknown): unknown {
  return coerce(ProvisionRequestSchema as unknown as SchemaNode, properties);
}

function coerce(schema: SchemaNode, value: unknown): unknown {
  const node = unwrap(schema);
  switch (node.type) {
    case 'number':
      return typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value;
    case 'boolean':
      if (typeof value !== 'string') return value;
      if (/^\s*true\s*$/i.test(value)) return true;
      if (/^\s*false\s*$/i.test(value)) return false;
      return value;
    case 'array': {
      const item = node.item;
      const list =
        typeof value === 'string' ? parseList(value, item ? unwrap(item).type === 'string' : false) : value;
      return Array.isArray(list) && item ? list.map((element) => coerce(item, element)) : list;
    }
    default: {
      const entries = node.entries;
      if (!entries) return value;
      const object = typeof value === 'string' ? jsonOpeningWith(value, '{') : value;
      if (!isRecord(object)) return object;
      return Object.fromEntries(
        Object.entries(object).map(([key, child]) => {
          const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
          return [key, entry ? coerce(entry, child) : child];
        }),
      );
    }
  }
}

/** A JSON array, or (for lists of strings) a comma-separated list as CloudFormation's Fn::Join makes. */
function parseList(text: string, ofStrings: boolean): unknown {
  const parsed = jsonOpeningWith(text, '[');
  if (parsed !== text || !ofStrings) return parsed;
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
}

/** The parsed document when the text opens as one of that kind, else the text itself. */
function jsonOpeningWith(text: string, opening: '[' | '{'): unknown {
  return text.trim().startsWith(opening) ? parseJsonOrText(text) : text;
}
