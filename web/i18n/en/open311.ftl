# shequ — English UI text (second language): open311. Every key must exist in zh-CN/open311.ftl.

# Error messages of GeoReport v2 come from the shared error-<code> keys.
