/** The gateway's version (package.json's; a test keeps them equal), shown by GET /admin/health. */
export const VERSION = "0.1.0";
