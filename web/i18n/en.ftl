# shequ — English UI text (second language). Every key must exist in zh-CN.ftl.

app-name = Community Governance Platform
app-tagline = People, places and events on one screen
lang-switch = 中文

nav-home = Home
nav-regions = Regions
nav-people = People
nav-places = Places
nav-users = Accounts
nav-access-log = Access log
nav-api-docs = API docs
nav-logout = Log out

login-title = Log in
login-username = Username
login-password = Password
login-submit = Log in
login-failed = Wrong username or password.

people-total = { $count } people

role-admin = Administrator
role-street_operator = Command-centre operator
role-cadre = Street cadre
role-grid_worker = Grid worker
role-neighbourhood_secretary = Neighbourhood secretary
role-district_organiser = District organisation department

region-city = City
region-district = District
region-street = Street
region-neighbourhood = Neighbourhood
region-grid = Grid

place-residential_building = Residential building
place-office_building = Office building
place-park = Park
place-business_district = Business district
place-market = Market
place-enterprise = Enterprise
place-construction_site = Construction site
place-service_facility = Service facility

facility-party_mass_service_centre = Party–mass service centre
facility-health_station = Community health station
facility-elderly_care = Elderly care
facility-elderly_canteen = Elderly canteen
facility-cultural_centre = Cultural centre
facility-kindergarten = Kindergarten
facility-school = School
facility-police_station = Police station
facility-other = Other

tag-elderly_living_alone = Elderly living alone
tag-disabled = Disabled
tag-low_income = Low income

gender-male = Male
gender-female = Female
residency-registered = Registered
residency-migrant = Migrant

error-invalid_credentials = Wrong username or password.
error-login_required = Please log in first.
error-session_expired = Your session has expired; please log in again.
error-account_disabled = This account is disabled.
error-out_of_scope = This lies outside your area; the attempt has been logged.
error-forbidden_role = Your role does not allow this.
error-too_many_attempts = Too many attempts; please try again later.
error-internal_error = Something went wrong; it has been logged. Please try again later.
error-database_unavailable = The database is not answering; please try again shortly.
error-not_found = Not found.
error-csrf_origin = The request came from another site; reload the page and try again.
