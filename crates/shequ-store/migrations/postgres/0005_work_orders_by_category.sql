-- Open311's most common filter is the service (category) over a window of
-- days: "noise complaints closed last week". Without this index the
-- planner walks every order of the window by time and reads each row to
-- test its category; with a million stored orders a seven-day window is
-- about 20,000 rows read for the 2,000 that match.
CREATE INDEX work_orders_category ON work_orders (category_code, created_at);
