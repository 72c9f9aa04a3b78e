import { describe, expect, it } from 'vitest';
import { readJson } from '../support/fixtures';
import { acceptedRequest, rejectionOf, requestFixture } from './support';

interface ScheduleRejection {
  why: string;
  rotation: Record<string, unknown>;
  field: string;
  says: string;
  /** How many request tags to add. */
  tags?: number;
}

const REJECTIONS = readJson<ScheduleRejection[]>('tests/fixtures/rotation/schedule-rejections.json');

function withRotation(rotation: unknown, tags = 0) {
  const request = requestFixture('rbac-redis');
  request.Rbac.Rotation = rotation;
  request.Tags = Array.from({ length: tags }, (_, index) => ({ Key: `tag-${index}`, Value: 'x' }));
  return request;
}

describe('Rbac.Rotation', () => {
  it.each([
    [{ AutomaticallyAfterDays: 30 }],
    [{ ScheduleExpression: 'rate(12 hours)', Duration: '2h' }],
    [{ ScheduleExpression: 'cron(0 8 1 * ? *)', Duration: '4h' }],
  ])('accepts the schedule %j and carries it to the normalised request', (rotation) => {
    // Act
    const request = acceptedRequest(withRotation(rotation));

    // Assess
    expect(request.Rbac?.Rotation).toEqual(rotation);
  });

  it.each(REJECTIONS.map((rejection) => [rejection.why, rejection] as const))(
    'rejects %s, naming the field',
    (_, { rotation, field, says, tags }) => {
      // Act
      const problems = rejectionOf(withRotation(rotation, tags));

      // Assess
      const problem = problems.find((candidate) => candidate.field === field);
      expect(problem, JSON.stringify(problems)).toBeDefined();
      expect(problem?.message).toContain(says);
    },
  );

  it('leaves rotation out of a request that does not ask for it', () => {
    // Act
    const request = acceptedRequest(requestFixture('rbac-redis'));

    // Assess
    expect(request.Rbac).toBeDefined();
    expect(request.Rbac?.Rotation).toBeUndefined();
  });
});
