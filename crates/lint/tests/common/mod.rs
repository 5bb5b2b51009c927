//! Spec builders shared by the lint tests that write their specs inline.

/// An AuthProfile `p` of provider `hl` whose OAuth block ends with `oauth_extra` (indented
/// lines, or "") and whose `fields:` list is `fields` (indented list items).
pub fn profile(oauth_extra: &str, fields: &str) -> String {
    format!(
        r#"apiVersion: integ/v1
kind: AuthProfile
metadata: {{ name: p }}
spec:
  provider: hl
  type: oauth2
  ownership: custom
  authorizedBy: user
  oauth2:
    clientId: ${{env:ID}}
    clientSecret: ${{env:SECRET}}
    authorizationUrl: https://api.example.com/oauth/authorize
    tokenUrl: https://api.example.com/oauth/token
{oauth_extra}  fields:
{fields}"#
    )
}
