## Regional cooperation: resident units, the three lists, projects, volunteering, pairing
error-coop_category_unknown = Choose a category from the list, such as elderly meals (助餐) or legal advice (法律咨询).
error-coop_unit_kind_unknown = Choose the unit's kind from the list, such as state firm (国企), university (高校) or hospital (医院).
error-coop_capacity_unit_unknown = Capacity is counted in hours a month, places, visits a month or yuan.
error-coop_capacity = Write the amount as a whole number above zero, e.g. 20.
error-coop_commitment_exceeds = The resource does not have that much left: commit no more than what remains, or ask the unit for more.
error-coop_window_order = The end date is before the start date.
error-coop_project_status_unknown = A project is proposed, agreed, running, done or dropped.
error-coop_project_transition = A project cannot move to that state from where it stands: it goes proposed, agreed, running, done.
error-coop_drop_reason = Give the reason for dropping the project (at most 200 characters).
error-coop_rating = A rating is a whole number from 1 to 5.
error-coop_rating_not_done = Only a project that is done can be rated.
error-coop_pair_kind_unknown = A pairing is between two organisations (组织结对) or a cadre and a household in difficulty (干部联系困难户).
error-coop_activity_full = The activity is full: no places are left.
error-coop_checked_in_twice = This volunteer has already checked in to the activity.
error-coop_activity_times = The check-out time must be after the check-in, and within a day of it.
