import type { Problem } from '../errors';
import type { Engine } from '../provision/state';
import { isRecord, repeatedKeys } from './fields';
import type { RequestView } from './rules';
import { MAINTENANCE_WINDOW, SNAPSHOT_WINDOW } from './settings';
import { ENGINE_LABEL, engineSupports, formatVersion, type Version } from './versions';

/**
 * ElastiCache's rules for the optional CreateReplicationGroup settings (settings.ts), checked
 * before any call so a request AWS would refuse fails with every problem named.
 */

const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** ElastiCache's minimum for both the maintenance and the snapshot window. */
export const MIN_WINDOW_MINUTES = 60;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Node types with local SSDs, the only ones that tier data (and on which tiering is mandatory). */
export const DATA_TIERING_NODE_TYPE = /^cache\.r6gd\./;

interface Interval {
  start: number;
  length: number;
}

/** Minutes from Sunday 00:00 UTC; a window ending before it starts runs over the week's end. */
export function maintenanceInterval(window: string): Interval | undefined {
  const m = MAINTENANCE_WINDOW.exec(window);
  if (!m) return undefined;
  const at = (day: string | undefined, hh: string | undefined, mm: string | undefined) =>
    WEEKDAYS.indexOf(day ?? '') * DAY_MINUTES + Number(hh) * 60 + Number(mm);
  const start = at(m[1], m[2], m[3]);
  return { start, length: modulo(at(m[4], m[5], m[6]) - start, WEEK_MINUTES) };
}

/** Minutes from 00:00 UTC; a window ending before it starts runs over midnight. */
export function snapshotInterval(window: string): Interval | undefined {
  const m = SNAPSHOT_WINDOW.exec(window);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  return { start, length: modulo(Number(m[3]) * 60 + Number(m[4]) - start, DAY_MINUTES) };
}

/** Whether the daily snapshot window meets the weekly maintenance window on any day. */
function overlaps(snapshot: Interval, maintenance: Interval): boolean {
  for (let day = 0; day < 7; day++) {
    const start = day * DAY_MINUTES + snapshot.start;
    // On a circle of one week: shift the snapshot by a week either way to catch the wrap-around.
    for (const shift of [-WEEK_MINUTES, 0, WEEK_MINUTES]) {
      const from = start + shift;
      if (from < maintenance.start + maintenance.length && maintenance.start < from + snapshot.length)
        return true;
    }
  }
  return false;
}

function modulo(value: number, base: number): number {
  return ((value % base) + base) % base;
}

/** The settings' rules, in the order their problems are listed. */
const SETTING_RULES: readonly ((view: RequestView) => Problem[])[] = [
  encryptionProblems,
  windowProblems,
  logDeliveryProblems,
  dataTieringProblems,
  restoreAndNetworkProblems,
];

export function settingProblems(view: RequestView): Problem[] {
  return SETTING_RULES.flatMap((rule) => rule(view));
}

function encryptionProblems({ request: r, ok }: RequestView): Problem[] {
  const problems: Problem[] = [];
  if (
    ok('KmsKeyId') &&
    r.KmsKeyId !== undefined &&
    ok('AtRestEncryptionEnabled') &&
    !r.AtRestEncryptionEnabled
  ) {
    problems.push({
      field: 'KmsKeyId',
      message:
        'encrypts data at rest: set AtRestEncryptionEnabled true (or leave it out), or remove KmsKeyId',
    });
  }
  if (
    ok('TransitEncryptionMode') &&
    r.TransitEncryptionMode !== undefined &&
    ok('TransitEncryptionEnabled')
  ) {
    if (
      r.TransitEncryptionEnabled !== true &&
      !(r.TransitEncryptionEnabled === undefined && rbacRequested(r))
    ) {
      problems.push({
        field: 'TransitEncryptionMode',
        message: 'applies only with in-transit encryption: set TransitEncryptionEnabled true, or remove it',
      });
    }
    if (r.TransitEncryptionMode === 'preferred' && rbacRequested(r)) {
      problems.push({
        field: 'TransitEncryptionMode',
        message:
          '"preferred" also accepts unencrypted connections, over which RBAC passwords would travel in clear text: use "required" (or leave it out) with Rbac or UserGroupIds',
      });
    }
  }
  return problems;
}

function rbacRequested(r: RequestView['request']): boolean {
  return r.Rbac !== undefined || (Array.isArray(r.UserGroupIds) && r.UserGroupIds.length > 0);
}

function windowProblems({ request: r, ok }: RequestView): Problem[] {
  const problems: Problem[] = [];
  const maintenance =
    ok('PreferredMaintenanceWindow') && r.PreferredMaintenanceWindow
      ? maintenanceInterval(r.PreferredMaintenanceWindow)
      : undefined;
  const snapshot = ok('SnapshotWindow') && r.SnapshotWindow ? snapshotInterval(r.SnapshotWindow) : undefined;
  if (maintenance && maintenance.length < MIN_WINDOW_MINUTES) {
    problems.push({
      field: 'PreferredMaintenanceWindow',
      message: `lasts ${maintenance.length} minutes; ElastiCache needs at least ${MIN_WINDOW_MINUTES}`,
    });
  }
  if (snapshot && snapshot.length < MIN_WINDOW_MINUTES) {
    problems.push({
      field: 'SnapshotWindow',
      message: `lasts ${snapshot.length} minutes; ElastiCache needs at least ${MIN_WINDOW_MINUTES}`,
    });
  }
  if (maintenance && snapshot && overlaps(snapshot, maintenance)) {
    problems.push({
      field: 'SnapshotWindow',
      message: 'overlaps PreferredMaintenanceWindow on at least one day: move one of them',
    });
  }
  return problems;
}

function logDeliveryProblems({ request: r, ok }: RequestView): Problem[] {
  if (!Array.isArray(r.LogDeliveryConfigurations)) return [];
  const problems: Problem[] = [];
  const typed = r.LogDeliveryConfigurations.flatMap((entry: unknown, index) => {
    const field = `LogDeliveryConfigurations[${index}]`;
    return isRecord(entry) && ok(`${field}.LogType`) && typeof entry.LogType === 'string'
      ? [{ field, key: entry.LogType }]
      : [];
  });
  const repeated = new Map(repeatedKeys(typed).map(({ field, first }) => [field, first]));
  r.LogDeliveryConfigurations.forEach((entry: unknown, index) => {
    const base = `LogDeliveryConfigurations[${index}]`;
    if (!isRecord(entry)) return;
    const first = repeated.get(base);
    if (first) {
      problems.push({
        field: `${base}.LogType`,
        message: `each log type is delivered to one destination; ${first} already configures ${String(entry.LogType)}`,
      });
    }
    if (
      !ok(`${base}.DestinationType`) ||
      !ok(`${base}.DestinationDetails`) ||
      !isRecord(entry.DestinationDetails)
    )
      return;
    const wanted =
      entry.DestinationType === 'cloudwatch-logs' ? 'CloudWatchLogsDetails' : 'KinesisFirehoseDetails';
    const other = wanted === 'CloudWatchLogsDetails' ? 'KinesisFirehoseDetails' : 'CloudWatchLogsDetails';
    if (entry.DestinationDetails[wanted] === undefined || entry.DestinationDetails[other] !== undefined) {
      problems.push({
        field: `${base}.DestinationDetails`,
        message: `DestinationType ${String(entry.DestinationType)} needs DestinationDetails.${wanted} only`,
      });
    }
  });
  return problems;
}

function dataTieringProblems({ request: r, ok }: RequestView): Problem[] {
  if (!ok('DataTieringEnabled') || !ok('CacheNodeType')) return [];
  const tiered = DATA_TIERING_NODE_TYPE.test(r.CacheNodeType);
  if (r.DataTieringEnabled === true && !tiered) {
    return [
      {
        field: 'DataTieringEnabled',
        message: `needs an r6gd node type (such as cache.r6gd.xlarge); CacheNodeType is ${r.CacheNodeType}`,
      },
    ];
  }
  if (r.DataTieringEnabled === false && tiered) {
    return [
      {
        field: 'DataTieringEnabled',
        message: `r6gd node types always tier data: set it true (or leave it out), or choose another CacheNodeType`,
      },
    ];
  }
  return [];
}

function restoreAndNetworkProblems({ request: r, ok }: RequestView): Problem[] {
  const problems: Problem[] = [];
  if (
    ok('SnapshotArns') &&
    ok('SnapshotName') &&
    r.SnapshotArns !== undefined &&
    r.SnapshotName !== undefined
  ) {
    problems.push({
      field: 'SnapshotName',
      message:
        'restores from an ElastiCache snapshot, SnapshotArns from RDB files in S3: give only one of them',
    });
  }
  if (ok('NetworkType') && ok('IpDiscovery') && r.IpDiscovery !== undefined) {
    const network = r.NetworkType ?? 'ipv4';
    if (r.IpDiscovery === 'ipv6' && network === 'ipv4') {
      problems.push({
        field: 'IpDiscovery',
        message: 'ipv6 needs an IPv6 network: set NetworkType ipv6 or dual_stack, or IpDiscovery ipv4',
      });
    }
    if (r.IpDiscovery === 'ipv4' && network === 'ipv6') {
      problems.push({
        field: 'IpDiscovery',
        message: 'an ipv6-only network (NetworkType ipv6) discovers ipv6 addresses: set ipv6 or leave it out',
      });
    }
  }
  return problems;
}

const ENGINE_LOG_SINCE: Version = [6, 2, 0];
const DATA_TIERING_SINCE: Version = [6, 2, 0];
const IPV6_SINCE: Version = [6, 2, 0];
const TRANSIT_MODE_SINCE: Version = [7, 0, 0];
const COMPATIBLE_SINCE: Version = [7, 0, 0];

/** Settings that need a minimum engine version; run once the version is known. */
export function settingVersionProblems(view: RequestView, engine: Engine, version: Version): Problem[] {
  const { request: r, ok } = view;
  const problems: Problem[] = [];
  const gate = (field: string, applies: boolean, since: Version, what: string) => {
    if (applies && ok(field) && !engineSupports(engine, version, since)) {
      problems.push({
        field,
        message: `${what} needs Redis OSS ${formatVersion(since)} or later (or Valkey); the engine version is ${ENGINE_LABEL[engine]} ${formatVersion(version)}`,
      });
    }
  };
  const tiered =
    r.DataTieringEnabled === true ||
    (r.DataTieringEnabled === undefined &&
      ok('CacheNodeType') &&
      DATA_TIERING_NODE_TYPE.test(r.CacheNodeType));
  gate('DataTieringEnabled', tiered, DATA_TIERING_SINCE, 'data tiering (r6gd node types)');
  gate('NetworkType', r.NetworkType !== undefined && r.NetworkType !== 'ipv4', IPV6_SINCE, 'IPv6');
  gate(
    'TransitEncryptionMode',
    r.TransitEncryptionMode !== undefined,
    TRANSIT_MODE_SINCE,
    'TransitEncryptionMode',
  );
  gate('ClusterMode', r.ClusterMode === 'compatible', COMPATIBLE_SINCE, 'ClusterMode "compatible"');
  if (Array.isArray(r.LogDeliveryConfigurations)) {
    r.LogDeliveryConfigurations.forEach((entry: unknown, index) => {
      if (isRecord(entry))
        gate(
          `LogDeliveryConfigurations[${index}].LogType`,
          entry.LogType === 'engine-log',
          ENGINE_LOG_SINCE,
          'the engine log',
        );
    });
  }
  return problems;
}
