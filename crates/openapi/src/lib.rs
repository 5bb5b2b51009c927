//! integ-openapi: turns OpenAPI 3.0 operations into integ `Action` documents.
