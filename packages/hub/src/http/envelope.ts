/** Builds seed 004's success body, `{"status":"success","data":...}`. */
export function success<T>(data: T): { status: 'success'; data: T } {
  return { status: 'success', data };
}
