/**
 * Wire formats: the Query protocol's form parameters and XML answers (ElastiCache) and the
 * errors both services send.
 */

/** An error answered to the client as the real service would (code, HTTP status, sender/receiver). */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';

  constructor(
    code: string,
    message: string,
    options: { status?: number; type?: 'Sender' | 'Receiver' } = {},
  ) {
    super(message);
    this.code = code;
    this.status = options.status ?? 400;
    this.type = options.type ?? (this.status >= 500 ? 'Receiver' : 'Sender');
  }
}

/** Codes and statuses as the ElastiCache model's `awsQueryError` traits declare them. */
export const ec = {
  userNotFound: (id: string) => new ServiceError('UserNotFound', `User ${id} not found.`, { status: 404 }),
  userAlreadyExists: (id: string) => new ServiceError('UserAlreadyExists', `User ${id} already exists.`),
  duplicateUserName: (message: string) => new ServiceError('DuplicateUserName', message),
  userQuotaExceeded: () => new ServiceError('UserQuotaExceeded', 'The quota of users has been exceeded.'),
  userGroupNotFound: (id: string) =>
    new ServiceError('UserGroupNotFound', `User group ${id} not found.`, { status: 404 }),
  userGroupAlreadyExists: (id: string) =>
    new ServiceError('UserGroupAlreadyExists', `User group ${id} already exists.`),
  userGroupQuotaExceeded: () =>
    new ServiceError('UserGroupQuotaExceeded', 'The quota of user groups has been exceeded.'),
  defaultUserRequired: (message: string) => new ServiceError('DefaultUserRequired', message),
  defaultUserAssociatedToUserGroup: (message: string) =>
    new ServiceError('DefaultUserAssociatedToUserGroup', message),
  invalidUserState: (message: string) => new ServiceError('InvalidUserState', message),
  invalidUserGroupState: (message: string) => new ServiceError('InvalidUserGroupState', message),
  replicationGroupNotFound: (id: string) =>
    new ServiceError('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`, { status: 404 }),
  replicationGroupAlreadyExists: (id: string) =>
    new ServiceError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`),
  invalidReplicationGroupState: (message: string) =>
    new ServiceError('InvalidReplicationGroupState', message),
  cacheParameterGroupNotFound: (name: string) =>
    new ServiceError('CacheParameterGroupNotFound', `CacheParameterGroup ${name} not found.`, {
      status: 404,
    }),
  nodeGroupsPerReplicationGroupQuotaExceeded: (message: string) =>
    new ServiceError('NodeGroupsPerReplicationGroupQuotaExceeded', message),
  nodeQuotaForClusterExceeded: (message: string) => new ServiceError('NodeQuotaForClusterExceeded', message),
  nodeQuotaForCustomerExceeded: (message: string) =>
    new ServiceError('NodeQuotaForCustomerExceeded', message),
  nodeGroupNotFound: (id: string) =>
    new ServiceError('NodeGroupNotFoundFault', `Node group ${id} not found.`, { status: 404 }),
  cacheClusterNotFound: (id: string) =>
    new ServiceError('CacheClusterNotFound', `CacheCluster ${id} not found.`, { status: 404 }),
  clusterQuotaForCustomerExceeded: () =>
    new ServiceError('ClusterQuotaForCustomerExceeded', 'The quota of clusters has been exceeded.'),
  snapshotNotFound: (name: string) =>
    new ServiceError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, { status: 404 }),
  invalidParameterValue: (message: string) => new ServiceError('InvalidParameterValue', message),
  invalidParameterCombination: (message: string) => new ServiceError('InvalidParameterCombination', message),
  invalidArn: (arn: string) => new ServiceError('InvalidARN', `${arn} is not a valid ARN.`),
  tagNotFound: (key: string) => new ServiceError('TagNotFound', `Tag ${key} not found.`, { status: 404 }),
  tagQuotaPerResourceExceeded: () =>
    new ServiceError('TagQuotaPerResourceExceeded', 'The resource would have more than 50 tags.'),
  invalidAction: (action: string) =>
    new ServiceError('InvalidAction', `The action ${action} is not valid for this web service.`),
};

/** Reads Query protocol parameters (`UserIds.member.1`, `Tags.Tag.1.Key`, `AuthenticationMode.Type`). */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      throw ec.invalidParameterValue(`The parameter ${name} must be provided and must not be blank.`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw ec.invalidParameterValue(`Invalid boolean value for parameter ${name}.`);
  }

  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value))
      throw ec.invalidParameterValue(`Invalid integer value for parameter ${name}.`);
    return Number(value);
  }

  /** A list of strings: `Name.<member>.1`, `Name.<member>.2`...; `Name=` is an empty list. */
  list(name: string, member = 'member'): string[] | undefined {
    const items: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.params.get(`${name}.${member}.${i}`);
      if (value === null) break;
      items.push(value);
    }
    if (items.length > 0) return items;
    return this.params.has(name) ? [] : undefined;
  }

  /** A list of structures: each item read with a prefix like `Tags.Tag.1.`. */
  structList<T>(name: string, member: string, read: (prefix: string) => T): T[] | undefined {
    const items: T[] = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.${member}.${i}.`;
      if (![...this.params.keys()].some((key) => key.startsWith(prefix))) break;
      items.push(read(prefix));
    }
    if (items.length > 0) return items;
    return this.params.has(name) ? [] : undefined;
  }

  tags(name = 'Tags'): { Key: string; Value: string }[] | undefined {
    return this.structList(name, 'Tag', (prefix) => ({
      Key: this.string(`${prefix}Key`) ?? '',
      Value: this.string(`${prefix}Value`) ?? '',
    }));
  }
}

/** A list in XML: `member` is the element name of each item, as the model's `xmlName` says. */
export class XmlList {
  constructor(
    readonly member: string,
    readonly items: XmlValue[],
  ) {}
}

export type XmlValue = string | number | boolean | Date | undefined | null | XmlList | XmlObject;
export interface XmlObject {
  [element: string]: XmlValue;
}

export const xmlList = (member: string, items: XmlValue[]) => new XmlList(member, items);
/** Lists of strings without an `xmlName` trait use `member`. */
export const members = (items: readonly string[]) => new XmlList('member', [...items]);

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function renderValue(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof XmlList) {
    return value.items.map((item) => element(value.member, item)).join('');
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([name, child]) => element(name, child))
      .join('');
  }
  return escapeXml(String(value));
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${renderValue(value)}</${name}>`;
}

export const ELASTICACHE_XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** The Query protocol answer; `xmlns` is the service's (ElastiCache unless given). */
export function queryResponse(
  action: string,
  result: XmlObject | undefined,
  requestId: string,
  xmlns = ELASTICACHE_XMLNS,
): string {
  const body = result === undefined ? '' : element(`${action}Result`, result);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryErrorResponse(
  error: ServiceError,
  requestId: string,
  xmlns = ELASTICACHE_XMLNS,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}"><Error>` +
    `<Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
