# shequ — English UI text (second language): registry. Every key must exist in zh-CN/registry.ftl.

nav-regions = Regions
nav-people = People
nav-places = Places

people-total = { $count } people

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
error-reason_length = Give a reason of 2 to 200 characters; it is recorded in the access log.
error-fields_empty = Choose at least one number to show.
error-reveal_field_unknown = That field cannot be shown.

# Home
home-title = Home
home-your-region = Your area
home-scope-note = You can see the data of “{ $region }” and the areas below it.
home-figures = Overview
home-residents = Residents
home-households = Households
home-migrants = Migrants
home-migrant-share = Share of migrants
home-elderly-alone = Elderly (80+) living alone
home-places = Places
home-care-tags = Residents needing care
home-places-by-kind = Places by kind
home-links = Shortcuts

# Regions
regions-title = Regions
regions-intro = The areas you are responsible for; choose a name for details.
regions-none = No regions yet.
regions-code = Code
regions-children = Areas within
regions-no-children = No areas within.
regions-outline = Outline of the area
regions-outline-note = Sketch of the outline; choose an area within to open it.
regions-places = Places
regions-all-places = All places

# People
people-title = People
people-filter-name = Name (starts with)
people-filter-tag = Care tag
people-filter-region = Area
people-none = No residents match.
people-masked-note = Identity numbers and phones are shown with the middle hidden. To see a full number, give a reason on the resident's page; it is recorded in the access log.
person-name = Name
person-gender = Gender
person-age = Age
person-age-years = ({ $age } years)
person-birth-date = Date of birth
person-residency = Residency
person-identity-number = Identity number
person-phone = Phone
person-address = Address
person-grid = Grid
person-tags = Tags
field-phone = Phone
field-identity_number = Identity number
reveal-title = Show the full number
reveal-intro = Only when your work needs it. Every view is recorded with who, when and why.
reveal-fields = Numbers to show
reveal-reason = Reason (required)
reveal-reason-placeholder = e.g. calling ahead of a home visit
reveal-submit = Show the full number
reveal-done = The full numbers are shown on this page only, this once.
reveal-logged = This view has been recorded in the access log (reason: { $reason }).
household-members = Household members
household-this-person = (this person)
household-building = Building
household-room = Room
household-code = Household code
household-room-label = Room { $room }

# Places
places-title = Places
places-filter-name = Name (starts with)
places-filter-kind = Kind
places-total = { $count } places
places-none = No places match.
places-name = Name
places-kind = Kind
places-location = Location (longitude, latitude)
places-built-year = Built
places-floors = Floors
places-code = Place code
places-households = Households
places-no-households = No households registered.

# Error codes (more above)
error-care_tag_invalid = That care tag is not valid; use the existing tags, separated by commas.
error-gender_unknown = Unknown gender; use male or female.
error-identity_number_birth_date = The date of birth in the identity number is not a real date.
error-identity_number_checksum = The identity number’s check digit is wrong; please check it.
error-identity_number_digits = An identity number has only digits (the last may be X).
error-identity_number_length = An identity number has 18 characters.
error-place_kind_unknown = Unknown kind of place.
error-facility_type_unknown = Unknown type of facility.
error-region_code_empty = The region code must not be empty.
error-region_code_invalid = A region code has only letters, digits, “-” or “_”.
error-region_code_too_long = The region code is too long.
error-region_kind_unknown = Unknown level of region: city, district, street, neighbourhood or grid.
error-region_path_invalid = That region path is not valid.
error-residency_unknown = Unknown residency; use registered or migrant.
error-region_unknown = No region has this code.
error-not_a_building = Door controllers stand at residential buildings only.
error-import_value_invalid = An imported value is not valid.

## what a request names that does not exist, and values already taken
error-building_not_found = There is no such building.
error-household_not_found = There is no such household.
error-person_not_found = There is no such resident in your area.
error-place_not_found = There is no such place in your area.
error-region_not_found = There is no such region in your area.
error-street_not_found = There is no street yet; import the regions first.
home-non-residents = Working here, living elsewhere
residency-non_resident = Works here (not a resident)
