/**
 * Checks template resources against the CloudFormation resource specification shipped offline in
 * @aws-cdk/aws-service-spec: known type, known properties, required properties present, recursively
 * through typed sub-objects. Values that are intrinsic functions are not looked into.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { CfnResource } from './package';

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

interface PropertyType {
  type: string;
  reference?: { $ref: string };
  element?: PropertyType;
  types?: PropertyType[];
}

interface PropertySpec {
  required?: boolean;
  type: PropertyType;
}

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Condition',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);

let database: Promise<SpecDatabase> | undefined;

export function specDatabase(): Promise<SpecDatabase> {
  database ??= loadAwsServiceSpec();
  return database;
}

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true);
}

/** Every problem found with one resource, as "<path>: <problem>". */
export function resourceProblems(db: SpecDatabase, logicalId: string, resource: CfnResource): string[] {
  const problems: string[] = [];
  for (const attribute of Object.keys(resource)) {
    if (!RESOURCE_ATTRIBUTES.has(attribute))
      problems.push(`${logicalId}: unknown resource attribute ${attribute}`);
  }
  const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
  if (!spec) return [...problems, `${logicalId}: unknown resource type ${resource.Type}`];
  checkObject(
    db,
    `${logicalId}.Properties`,
    resource.Properties ?? {},
    spec.properties as Record<string, PropertySpec>,
    problems,
  );
  return problems;
}

function checkObject(
  db: SpecDatabase,
  path: string,
  value: Record<string, unknown>,
  properties: Record<string, PropertySpec>,
  problems: string[],
): void {
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${path}: required property ${name} missing`);
  }
  for (const [name, inner] of Object.entries(value)) {
    const property = properties[name];
    if (!property) {
      problems.push(`${path}: unknown property ${name}`);
      continue;
    }
    checkValue(db, `${path}.${name}`, inner, property.type, problems);
  }
}

function checkValue(
  db: SpecDatabase,
  path: string,
  value: unknown,
  type: PropertyType,
  problems: string[],
): void {
  if (isIntrinsic(value)) return;
  switch (type.type) {
    case 'ref': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !type.reference) {
        problems.push(`${path}: expected an object`);
        return;
      }
      const definition = db.get('typeDefinition', type.reference.$ref);
      checkObject(
        db,
        path,
        value as Record<string, unknown>,
        definition.properties as Record<string, PropertySpec>,
        problems,
      );
      return;
    }
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected a list`);
        return;
      }
      for (const [index, item] of value.entries()) {
        if (type.element) checkValue(db, `${path}[${index}]`, item, type.element, problems);
      }
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${path}: expected a map`);
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        if (type.element) checkValue(db, `${path}.${key}`, item, type.element, problems);
      }
      return;
    case 'union': {
      // Accept the value when any member type accepts it.
      const attempts = (type.types ?? []).map((member) => {
        const found: string[] = [];
        checkValue(db, path, value, member, found);
        return found;
      });
      if (attempts.length > 0 && attempts.every((found) => found.length > 0))
        problems.push(...(attempts[0] ?? []));
      return;
    }
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: expected a string`);
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) {
        problems.push(`${path}: expected a number`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false')
        problems.push(`${path}: expected a boolean`);
      return;
    default:
      // json, tag, date-time: anything goes at this level.
      return;
  }
}
