import type { Version } from './versions';

/**
 * The ACL rules ElastiCache accepts in an access string, checked before anything is created so a
 * refused rule never leaves half-made users behind. Messages name rules by position and never
 * quote a token that did not parse: a misplaced password would otherwise end up in an error.
 */

export interface GatedRule {
  /** The rule as written (safe to quote: it matched the grammar). */
  rule: string;
  /** First Redis OSS version that accepts it. */
  since: Version;
  what: string;
}

export interface AccessStringAnalysis {
  problems: string[];
  gated: GatedRule[];
  /** Whether the user ends up switched on (`on` after the last `off`); without `on` the user is off. */
  switchedOn: boolean;
}

export const PASSWORD_ADVICE =
  'store the password in Secrets Manager and pass its id as PasswordSecretId, or leave it out and let the workflow generate one';

export const ALLOWED_RULES_SUMMARY =
  'on, off, ~pattern, %R~pattern, %W~pattern, %RW~pattern, &pattern, allkeys, allchannels, resetchannels, allcommands, nocommands, +command, -command, +command|subcommand, +@category, -@category';

const CHANNELS_SINCE: Version = [6, 2, 0];
const SUBCOMMANDS_SINCE: Version = [7, 0, 0];

const KEYWORDS = new Set(['on', 'off', 'allkeys', 'allcommands', 'nocommands']);
const CHANNEL_KEYWORDS = new Set(['allchannels', 'resetchannels']);
const PASSWORD_KEYWORDS = new Set(['nopass', 'resetpass']);
const PASSWORD_PREFIXES = ['>', '<', '#', '!'];

const KEY_PATTERN = /^~\S+$/;
const KEY_PERMISSION_PATTERN = /^%(?:R|W|RW|WR)~\S+$/i;
const CHANNEL_PATTERN = /^&\S+$/;
const CATEGORY_PATTERN = /^[+-]@[a-z][a-z0-9_-]*$/i;
const COMMAND_PATTERN = /^[+-][a-z][a-z0-9_.:-]*$/i;
const SUBCOMMAND_PATTERN = /^[+-][a-z][a-z0-9_.:-]*\|[a-z0-9_.:-]+$/i;

export function analyseAccessString(accessString: string): AccessStringAnalysis {
  const problems: string[] = [];
  const gated: GatedRule[] = [];
  let switchedOn = false;
  let selectorReported = false;

  const rules = accessString.trim().split(/\s+/).filter(Boolean);
  if (rules.length === 0) problems.push('must hold at least one rule');

  rules.forEach((rule, index) => {
    const position = `rule ${index + 1}`;
    const lower = rule.toLowerCase();
    if (lower === 'on' || lower === 'off') {
      switchedOn = lower === 'on';
      return;
    }
    if (
      KEYWORDS.has(lower) ||
      KEY_PATTERN.test(rule) ||
      CATEGORY_PATTERN.test(rule) ||
      COMMAND_PATTERN.test(rule)
    ) {
      return;
    }
    if (CHANNEL_KEYWORDS.has(lower) || CHANNEL_PATTERN.test(rule)) {
      gated.push({ rule, since: CHANNELS_SINCE, what: 'channel rules' });
      return;
    }
    if (KEY_PERMISSION_PATTERN.test(rule)) {
      gated.push({ rule, since: SUBCOMMANDS_SINCE, what: 'read/write key permissions (%R~, %W~, %RW~)' });
      return;
    }
    if (SUBCOMMAND_PATTERN.test(rule)) {
      gated.push({ rule, since: SUBCOMMANDS_SINCE, what: 'subcommand rules (command|subcommand)' });
      return;
    }
    if (PASSWORD_KEYWORDS.has(lower) || PASSWORD_PREFIXES.some((prefix) => rule.startsWith(prefix))) {
      problems.push(
        `${position} is a password directive (>, <, #, !, nopass, resetpass), refused: passwords never travel in the request; ${PASSWORD_ADVICE}`,
      );
      return;
    }
    if (lower === 'reset') {
      problems.push(
        `${position} (reset) is refused: it would drop the password ElastiCache manages for the user`,
      );
      return;
    }
    if (lower === 'clearselectors' || rule.startsWith('(') || rule.endsWith(')')) {
      if (!selectorReported) {
        problems.push(`${position}: selectors ("(...)", clearselectors) are not supported`);
        selectorReported = true;
      }
      return;
    }
    problems.push(
      `${position} is not an access-string rule ElastiCache accepts (allowed: ${ALLOWED_RULES_SUMMARY})`,
    );
  });

  return { problems, gated, switchedOn };
}
