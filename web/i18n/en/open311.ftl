# shequ — English UI text (second language): open311. Every key must exist in zh-CN/open311.ftl.

# GeoReport v2 error descriptions.
error-open311_param_missing = { $field } was not provided
error-open311_param_repeated = { $field } was given more than once
error-open311_format_unknown = unsupported format: end the path with .json or .xml
error-open311_no_such_path = no such Open311 resource; see discovery.json
error-open311_method_not_allowed = this resource does not take that method
error-open311_api_key_missing = api_key was not provided -- can't proceed with create_request
error-open311_api_key_invalid = invalid api_key received: unknown, expired or revoked
error-open311_api_key_scope = this api_key does not carry the open311 scope
error-open311_outside_area = the location lies outside the area of this api_key
error-open311_service_unknown = service_code { $code } was not found
error-open311_internal = something went wrong on our side; it has been logged. Try again later or contact us
error-open311_unavailable = the database cannot take this now; nothing was stored, try again shortly
error-open311_invalid_field = invalid { $field }: { $problem }
error-open311_form_type = send the request as application/x-www-form-urlencoded, not { $mime }
error-open311_form_unreadable = cannot read the form: { $detail }
error-open311_form_not_utf8 = the form is not UTF-8: send application/x-www-form-urlencoded; charset=utf-8
error-open311_attribute_param = cannot read { $param }: use attribute[code]=value or attribute[code][]=value
error-open311_too_long = { $field } is longer than { $max } characters
error-open311_coordinate = { $field } must be a WGS-84 coordinate (a number)
error-open311_media_url = media_url must be an http or https URL
error-open311_email = email is not an e-mail address
error-open311_lat_long_pair = lat and long must both be sent
error-open311_address_id = address_id must be one of our place ids (a number)
error-open311_location_missing = a location was not provided: send lat and long, address_string or address_id
error-open311_whole_number = { $field } must be a whole number from 1 to { $max }
error-open311_datetime = { $field } must be a W3C date-time with a zone, e.g. 2026-11-23T00:00:00+08:00
error-open311_dates_reversed = end_date is before start_date
error-open311_dates_span = start_date to end_date may not span more than 90 days
error-open311_ids_too_many = at most 1000 service_request_id values at once
error-open311_id_invalid = service_request_id { $id } is not one of ours (they are numbers)
error-open311_status_invalid = status must be open or closed, not { $status }
error-open311_request_unknown = service_request_id { $id } was not found
error-open311_token_unknown = token was not found
error-open311_attribute_missing = attribute { $attribute } is required
error-open311_attribute_unknown = this service has no attribute { $attribute }
error-open311_attribute_one_value = attribute { $attribute } takes one value
error-open311_attribute_number = attribute { $attribute } must be a number
error-open311_attribute_datetime = attribute { $attribute } must be an ISO 8601 date or date-time with a zone, e.g. 2026-11-23T18:00:00+08:00
error-open311_attribute_line_break = attribute { $attribute } must be one line (use no line breaks)
error-open311_attribute_too_long = attribute { $attribute } is longer than { $max } characters
error-open311_attribute_choice = { $value } is not a choice of attribute { $attribute }

## status_notes: an order's state in words
open311-note-pending = Waiting for the person responsible to accept it
open311-note-accepted = Accepted
open311-note-in_progress = Being worked on
open311-note-returned = Sent back to be dispatched again
open311-note-resolved = Resolved
open311-note-closed = Resolved and closed
open311-note-duplicate = Duplicate of request { $of }
open311-note-cancelled = Withdrawn
