//! Templates (`{{ inputs.x }}`, `{{ token.x }}`, `{{ fields.x }}`) and value references
//! (`${env:NAME}`), parsed into a typed form. (Being written by the lead.)
