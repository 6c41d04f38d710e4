## 区域化党建：驻区单位、三张清单、项目、志愿服务、结对帮扶
error-coop_category_unknown = 请从列表中选择类别，如助餐、法律咨询。
error-coop_unit_kind_unknown = 请从列表中选择单位类型，如国企、高校、医院。
error-coop_capacity_unit_unknown = 服务能力的计量单位须为小时/月、名额、次/月或元。
error-coop_capacity = 数量须为大于零的整数，如 20。
error-coop_commitment_exceeds = 该资源剩余量不足：认领量不能超过剩余量，或请驻区单位增加供给。
error-coop_window_order = 结束日期早于开始日期。
error-coop_project_status_unknown = 项目状态须为提议、已商定、实施中、已完成或已终止。
error-coop_project_transition = 项目不能从当前状态转入该状态：须依次经过提议、已商定、实施中、已完成。
error-coop_drop_reason = 终止项目须说明原因（不超过 200 字）。
error-coop_rating = 评分须为 1 至 5 的整数。
error-coop_rating_not_done = 项目完成后方可评分。
error-coop_pair_kind_unknown = 结对类型须为组织结对或干部联系困难户。
error-coop_activity_full = 活动名额已满。
error-coop_checked_in_twice = 该志愿者已签到，不能重复签到。
error-coop_activity_times = 签退时间须晚于签到时间，且相隔不超过一天。
