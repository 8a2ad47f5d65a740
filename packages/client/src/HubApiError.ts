/**
 * An error answer from a hub, carrying the hub's `error_code`, its message and the HTTP status, or a
 * failure to reach the hub at all (`status` 0).
 */
export class HubApiError extends Error {
  override name = 'HubApiError';
  readonly code: string;
  readonly status: number;

  constructor({ code, message, status }: { code: string; message: string; status: number }) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
