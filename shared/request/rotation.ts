/**
 * Rbac.Rotation's rules across its fields, as Secrets Manager's RotateSecret applies them: one schedule
 * (days or an expression), rates of at least 4 hours and at most 1000 days, and a window shorter than
 * the time between two rotations.
 */
import type { Problem } from '../errors';
import { MAX_TAGS, OWN_TAG_KEYS, USER_ID_TAG_KEY } from '../tags';
import { isRecord } from './fields';
import type { RequestView } from './rules';
import { ROTATION_LIMITS } from './schema';

const FIELD = 'Rbac.Rotation';
const RATE = /^rate\((\d+) (hour|hours|day|days)\)$/;

export function rotationProblems({ request, ok }: RequestView): Problem[] {
  const rotation = isRecord(request.Rbac) ? request.Rbac.Rotation : undefined;
  if (!isRecord(rotation) || !ok(FIELD)) return [];
  return [...scheduleProblems(rotation), ...tagProblems(request, ok)];
}

/** A secret put on rotation carries one tag more than the provisioner's own: its user's id. */
function tagProblems(request: RequestView['request'], ok: RequestView['ok']): Problem[] {
  const limit = MAX_TAGS - OWN_TAG_KEYS.length - 1;
  if (!ok('Tags') || !Array.isArray(request.Tags) || request.Tags.length <= limit) return [];
  return [
    {
      field: 'Tags',
      message: `with Rbac.Rotation the generated password secrets also carry ${USER_ID_TAG_KEY}, and Secrets Manager allows ${MAX_TAGS} tags: give at most ${limit}`,
    },
  ];
}

function scheduleProblems(rotation: Record<string, unknown>): Problem[] {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rotation;
  if ((days === undefined) === (expression === undefined)) {
    return [
      {
        field: FIELD,
        message:
          'give exactly one schedule: AutomaticallyAfterDays (e.g. 30) or ScheduleExpression (e.g. "rate(30 days)")',
      },
    ];
  }
  const rate = typeof expression === 'string' ? RATE.exec(expression) : null;
  if (!rate) return [];
  const count = Number(rate[1]);
  const hours = rate[2]?.startsWith('day') ? count * 24 : count;
  if (hours < ROTATION_LIMITS.rateHours.min || hours > ROTATION_LIMITS.days.max * 24) {
    return [
      {
        field: `${FIELD}.ScheduleExpression`,
        message: `Secrets Manager rotates at most every ${ROTATION_LIMITS.rateHours.min} hours and at least every ${ROTATION_LIMITS.days.max} days: choose a rate in between`,
      },
    ];
  }
  if (typeof duration === 'string' && Number.parseInt(duration, 10) >= hours) {
    return [
      {
        field: `${FIELD}.Duration`,
        message: `the rotation window (${duration}) must be shorter than the time between rotations (${hours}h)`,
      },
    ];
  }
  return [];
}
