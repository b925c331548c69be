export const sqliteSchemaPath: string;
export const postgresSchemaPath: string;
export function postgresSchemaFrom(sqliteSchema: string): string;
export function writePostgresSchema(): boolean;
