/**
 * The password rule ElastiCache applies to RBAC user passwords (CreateUser, ModifyUser): 16 to 128
 * printable ASCII characters, no space, none of , " / @. One rule for the request's validation of a
 * given secret and for the local stand-in, so a secret that passes validation is one CreateUser takes.
 */

/** Printable ASCII without the space (0x21-0x7e), 16 to 128 of them. */
const PRINTABLE_16_TO_128 = /^[\x21-\x7e]{16,128}$/;
const FORBIDDEN = /[,"/@]/;

export function isAcceptablePassword(value: string): boolean {
  return PRINTABLE_16_TO_128.test(value) && !FORBIDDEN.test(value);
}

export const PASSWORD_RULE = '16 to 128 printable ASCII characters, no space, none of , " / @';
