/** Default listen address of the API role when `api.addr` is not configured. */
export const DEFAULT_API_ADDR = ':5080';
