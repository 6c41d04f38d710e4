# shequ — English UI text (second language): command. Every key must exist in zh-CN/command.ftl.

## Command centre
nav-command = Command centre
cmd-title = Street command centre
cmd-pending = Awaiting acceptance
cmd-in-progress = In progress
cmd-overdue = Overdue
cmd-resolved-today = Resolved today
cmd-alerts-today = Alerts today
cmd-on-time = On time this month
cmd-satisfaction = Satisfaction this month
cmd-supervised = { $n } supervised orders
cmd-consult-overdue = { $n ->
    [one] { $n } consultation round past its deadline unanswered
   *[other] { $n } consultation rounds past their deadline unanswered
}
cmd-map-label = Street map: grids shaded by open orders
cmd-grid-title = { $name } · { $n } open
cmd-legend = Legend
cmd-legend-none = No open orders
cmd-legend-some = A few
cmd-legend-many = Many
cmd-legend-order = Open order
cmd-legend-facility = Facility
cmd-no-map = No boundaries are stored for this area, so no map can be drawn.
cmd-panel-title = Grid details
cmd-panel-hint = Click a grid on the map to see its workers, orders, alerts, residents under care and facilities.
cmd-panel-workers = People on this grid
cmd-panel-no-workers = Nobody is bound to this grid.
cmd-panel-orders = Open orders
cmd-panel-no-orders = No open orders in this grid.
cmd-panel-all-orders = All open orders of this grid
cmd-panel-alerts = Open alerts
cmd-panel-no-alerts = No alerts.
cmd-panel-care = Residents under care
cmd-panel-no-care = No residents under care.
cmd-panel-facilities = Places and facilities
cmd-panel-homes = Residential buildings
cmd-feed = Live feed
cmd-feed-empty = No new orders or alerts in the last seven days.
cmd-feed-new-order = New order
cmd-feed-changed = Order updated
cmd-feed-alert = Alert
cmd-lists = Order lists
cmd-alert-orders = Sensor alert orders
