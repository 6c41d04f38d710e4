# shequ — English UI text (second language): accounts. Every key must exist in zh-CN/accounts.ftl.

nav-users = Accounts
nav-access-log = Access log
nav-logout = Log out

login-title = Log in
login-username = Username
login-password = Password
login-submit = Log in
login-failed = Wrong username or password.

role-admin = Administrator
role-street_operator = Command-centre operator
role-cadre = Street cadre
role-grid_worker = Grid worker
role-neighbourhood_secretary = Neighbourhood secretary
role-district_organiser = District organisation department

error-invalid_credentials = Wrong username or password.
error-account_disabled = This account is disabled.

# Administration
users-title = Accounts
users-total = { $count } accounts
users-none = No accounts.
users-api-note = Create accounts and API tokens with the command `shequ user` or the API at /api/v1/users.
user-username = Username
user-display-name = Name
user-role = Role
user-region = Area
user-status = Status
user-active = Active
user-disabled = Disabled
access-title = Access log
access-intro = Every view of a full number, and every refused attempt to read outside one's area, newest first.
access-total = { $count } entries
access-none = No entries yet.
access-at = Time
access-actor = Who
access-col-action = Action
access-subject = Subject
access-fields = Fields
access-reason = Reason
access-address = From
access-action-reveal = Full number shown
access-action-denied = Refused: outside area
access-kind-person = Resident
access-kind-region = Region
access-kind-household = Household
access-kind-place = Place

# Error codes (more above)
error-role_unknown = Unknown role.
error-invalid_token = The token is unknown, expired or revoked.
error-token_scope = This token does not carry the scope this needs.
error-username_invalid = Use 1–64 letters, digits, “_”, “-” or “.” for the username.
error-password_too_short = The password is too short.
error-name_length = Give a name of 1 to 100 characters.
error-scopes_invalid = Those token scopes are not valid.

## what a request names that does not exist, and values already taken
error-api_token_not_found = There is no such API token.
error-username_taken = That username is already taken.
access-action-view = Personal records viewed
access-action-export = Personal records exported
