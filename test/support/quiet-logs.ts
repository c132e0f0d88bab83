// Handlers log through Powertools; tests that read logs capture them explicitly.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.DDB_LOCAL_TELEMETRY = '0';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
