# shequ — English UI text (second language): app. Every key must exist in zh-CN/app.ftl.

app-name = Community Governance Platform
app-tagline = People, places and events on one screen
lang-switch = 中文

nav-home = Home
nav-api-docs = API docs
error-login_required = Please log in first.
error-session_expired = Your session has expired; please log in again.
error-out_of_scope = This lies outside your area; the attempt has been logged.
error-forbidden_role = Your role does not allow this.
error-too_many_attempts = Too many attempts; please try again later.
error-internal_error = Something went wrong; it has been logged. Please try again later.
error-database_unavailable = The database is not answering; please try again shortly.
error-not_found = Not found.
error-csrf_origin = The request came from another site; reload the page and try again.
error-invalid_input = Some of what you entered is invalid; please check and try again.
error-user_required = This page needs a user login.
error-generic = This request could not be completed.
error-code = Error code
error-home = Back to the home page
error-title-forbidden = Access refused
error-title-not-found = Page not found
error-title-too-many = Too many requests
error-title-bad-request = Bad request
error-title-server = Something went wrong

# Page shell
skip-to-content = Skip to content
nav-label = Main navigation
breadcrumbs = You are here
list-sep = { ", " }
pager-label = Pages
pager-prev = Previous
pager-next = Next
pager-position = Page { $page } of { $pages }
filter-any = Any
filter-apply = Search

# Forms
form-required = (required)
form-has-errors = Please correct the following and send again:

# Units
unit-days = days
unit-hours = hours
unit-minutes = minutes

# Error codes (more above)
error-invalid_value = A value could not be read; please check it and try again.
error-value_invalid = That value is not allowed.
error-required = This is required.
error-reference_not_found = It refers to something that does not exist.
error-already_exists = That value is already taken.
error-database_busy = The database is busy; nothing was stored. Please try again in a moment.
error-storage_full = The server’s storage is full; nothing was stored. Please try again later.
error-bad_request = The request could not be read.
error-method_not_allowed = This address does not take that method.
error-payload_too_large = What was sent is larger than allowed.
error-unsupported_media_type = Send the body as JSON (Content-Type: application/json).
error-request_refused = The request was refused.

## what a request names that does not exist, and values already taken
error-language_not_found = That language is not offered.
error-page_not_found = There is no such page.
error-route_not_found = There is no such address on this server.
error-conflict = That value is already taken.
