/** Name of the httpOnly cookie that holds the API session token. */
export const SESSION_COOKIE = 'wharf_session';
