## The 15-minute community circle: facility types and walking thresholds, the walking network, coverage, where next
error-circle_type_unknown = A facility type is a Party–mass service centre, health station, elderly day care, elderly canteen, food market, kindergarten, primary school or sports and culture room.
error-circle_threshold = A walking threshold is whole metres from 50 to 5000 (300 m is about 5 minutes).
error-circle_network_json = The walking network is not valid GeoJSON; see the line and column given.
error-circle_network_empty = The file has no LineString: a walking network is made of lines, such as OpenStreetMap's roads and footways.
error-circle_network_coordinates = A coordinate is a [longitude, latitude] pair.
error-circle_network_outside = A point of the file lies outside this street; is it this street's network?
error-circle_network_self_crossing = A line crosses itself: a path does not; split it into lines that meet at junctions.
