/**
 * CreateReplicationGroup's optional settings as ElastiCache checks them: encryption keys, log
 * delivery, maintenance and snapshot windows, data tiering, restore sources and network type.
 */
import { compareVersions, type EngineVersion } from './rules';
import { ec, type QueryParams } from './wire';

export interface LogDeliveryRecord {
  logType: string;
  destinationType: string;
  destination: string;
  logFormat: string;
}

export interface CreateSettings {
  kmsKeyId?: string;
  preferredMaintenanceWindow?: string;
  notificationTopicArn?: string;
  autoMinorVersionUpgrade: boolean;
  dataTiering: boolean;
  networkType: string;
  ipDiscovery: string;
  snapshotArns?: string[];
  logDelivery: LogDeliveryRecord[];
}

interface Context {
  version: EngineVersion;
  cacheNodeType: string;
  atRestEncryption: boolean;
}

const DAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Minutes since Sunday 00:00 of `ddd:hh24:mi`, or since midnight of `hh24:mi`. */
function minutesOf(point: string): number | undefined {
  const parts = point.toLowerCase().split(':');
  const [hh, mm] = parts.slice(-2).map(Number);
  if (hh === undefined || mm === undefined || !(hh >= 0 && hh < 24 && mm >= 0 && mm < 60)) return undefined;
  if (parts.length === 2) return hh * 60 + mm;
  const day = DAY.indexOf(parts[0] ?? '');
  return parts.length === 3 && day >= 0 ? day * 1440 + hh * 60 + mm : undefined;
}

/** [start, length] in minutes of a window, within a period of `period` minutes. */
function window(text: string, points: number, period: number, name: string): [number, number] {
  const halves = text.split('-');
  const start = halves[0] === undefined ? undefined : minutesOf(halves[0]);
  const end = halves[1] === undefined ? undefined : minutesOf(halves[1]);
  const shaped = halves.length === 2 && halves.every((half) => half.split(':').length === points);
  if (!shaped || start === undefined || end === undefined) {
    throw ec.invalidParameterValue(
      `Invalid ${name} ${text}: the format is ${points === 3 ? 'ddd:hh24:mi-ddd:hh24:mi' : 'hh24:mi-hh24:mi'}.`,
    );
  }
  const length = (((end - start) % period) + period) % period;
  if (length < 60) throw ec.invalidParameterValue(`The ${name} must be at least 60 minutes long.`);
  return [start, length];
}

const supports = (context: Context, redis: string) =>
  context.version.engine === 'valkey' || compareVersions(context.version.version, redis) >= 0;

export function readCreateSettings(params: QueryParams, context: Context): CreateSettings {
  const kmsKeyId = params.string('KmsKeyId');
  if (kmsKeyId !== undefined && !context.atRestEncryption) {
    throw ec.invalidParameterCombination('KmsKeyId requires AtRestEncryptionEnabled.');
  }

  const maintenance = params.string('PreferredMaintenanceWindow');
  const snapshot = params.string('SnapshotWindow');
  const weekly =
    maintenance === undefined ? undefined : window(maintenance, 3, 7 * 1440, 'maintenance window');
  const daily = snapshot === undefined ? undefined : window(snapshot, 2, 1440, 'snapshot window');
  if (weekly && daily) {
    for (let start = daily[0] - 7 * 1440; start < 14 * 1440; start += 1440) {
      if (start < weekly[0] + weekly[1] && weekly[0] < start + daily[1]) {
        throw ec.invalidParameterCombination('The snapshot window overlaps the maintenance window.');
      }
    }
  }

  const topic = params.string('NotificationTopicArn');
  if (topic !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(topic)) {
    throw ec.invalidParameterValue(`Invalid NotificationTopicArn ${topic}.`);
  }

  const r6gd = /^cache\.r6gd\./.test(context.cacheNodeType);
  const dataTiering = params.boolean('DataTieringEnabled') ?? false;
  if (dataTiering !== r6gd) {
    throw ec.invalidParameterCombination(
      r6gd
        ? 'DataTieringEnabled must be true for r6gd node types.'
        : 'Data tiering is only supported for r6gd node types.',
    );
  }
  if (dataTiering && !supports(context, '6.2')) {
    throw ec.invalidParameterCombination('Data tiering requires engine version 6.2 or later.');
  }

  const networkType = params.string('NetworkType') ?? 'ipv4';
  if (!['ipv4', 'ipv6', 'dual_stack'].includes(networkType)) {
    throw ec.invalidParameterValue(`Invalid NetworkType ${networkType}.`);
  }
  const ipDiscovery = params.string('IpDiscovery') ?? (networkType === 'ipv6' ? 'ipv6' : 'ipv4');
  if (!['ipv4', 'ipv6'].includes(ipDiscovery))
    throw ec.invalidParameterValue(`Invalid IpDiscovery ${ipDiscovery}.`);
  if ((ipDiscovery === 'ipv6') !== (networkType !== 'ipv4') && networkType !== 'dual_stack') {
    throw ec.invalidParameterCombination(
      `IpDiscovery ${ipDiscovery} does not match NetworkType ${networkType}.`,
    );
  }
  if (networkType !== 'ipv4' && !supports(context, '6.2')) {
    throw ec.invalidParameterCombination('IPv6 requires engine version 6.2 or later.');
  }

  const snapshotArns = params.list('SnapshotArns', 'SnapshotArn');
  if (snapshotArns !== undefined && params.string('SnapshotName') !== undefined) {
    throw ec.invalidParameterCombination('SnapshotArns and SnapshotName cannot both be provided.');
  }
  for (const arn of snapshotArns ?? []) {
    if (!/^arn:aws[a-z-]*:s3:::[^/]+\/[^,]+$/.test(arn))
      throw ec.invalidParameterValue(`Invalid S3 ARN ${arn}.`);
  }

  return {
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    ...(maintenance === undefined ? {} : { preferredMaintenanceWindow: maintenance.toLowerCase() }),
    ...(topic === undefined ? {} : { notificationTopicArn: topic }),
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    dataTiering,
    networkType,
    ipDiscovery,
    ...(snapshotArns === undefined ? {} : { snapshotArns }),
    logDelivery: readLogDelivery(params, context),
  };
}

function readLogDelivery(params: QueryParams, context: Context): LogDeliveryRecord[] {
  const entries =
    params.structList('LogDeliveryConfigurations', 'LogDeliveryConfigurationRequest', (prefix) => ({
      logType: params.string(`${prefix}LogType`) ?? '',
      destinationType: params.string(`${prefix}DestinationType`) ?? '',
      logGroup: params.string(`${prefix}DestinationDetails.CloudWatchLogsDetails.LogGroup`),
      deliveryStream: params.string(`${prefix}DestinationDetails.KinesisFirehoseDetails.DeliveryStream`),
      logFormat: params.string(`${prefix}LogFormat`) ?? '',
    })) ?? [];
  const seen = new Set<string>();
  return entries.map((entry) => {
    if (entry.logType !== 'slow-log' && entry.logType !== 'engine-log') {
      throw ec.invalidParameterValue(`Invalid LogType ${entry.logType}: use slow-log or engine-log.`);
    }
    if (seen.has(entry.logType)) {
      throw ec.invalidParameterCombination(`LogType ${entry.logType} is configured more than once.`);
    }
    seen.add(entry.logType);
    if (entry.logType === 'engine-log' && !supports(context, '6.2')) {
      throw ec.invalidParameterCombination('The engine log requires engine version 6.2 or later.');
    }
    if (entry.logFormat !== 'text' && entry.logFormat !== 'json') {
      throw ec.invalidParameterValue(`Invalid LogFormat ${entry.logFormat}: use text or json.`);
    }
    const destination =
      entry.destinationType === 'cloudwatch-logs'
        ? entry.logGroup
        : entry.destinationType === 'kinesis-firehose'
          ? entry.deliveryStream
          : undefined;
    if (destination === undefined || destination === '') {
      throw ec.invalidParameterValue(
        `DestinationType ${entry.destinationType} needs its DestinationDetails (a log group or a delivery stream).`,
      );
    }
    return {
      logType: entry.logType,
      destinationType: entry.destinationType,
      destination,
      logFormat: entry.logFormat,
    };
  });
}
