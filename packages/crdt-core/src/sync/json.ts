/** A JSON value, as carried by presence frames. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
