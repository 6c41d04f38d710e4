## 征询·会商·会签：部门事先征询、事中会商、事后会签街道意见
error-consult_kind_unknown = 事项类型须为负责人任免、规划或公共设施、重大事项。
error-consult_stage_unknown = 环节须为事先征询、事中会商或事后会签。
error-consult_opinion_unknown = 街道意见须为同意、有条件同意或不同意。
error-consult_outcome_unknown = 办理结果须为采纳、部分采纳、未采纳或撤回。
error-consult_reasons = 请写明理由：有条件同意写明条件，不同意写明原因。
error-consult_round_order = 须依次经过事先征询、事中会商、事后会签，且上一环节街道答复后才能进入下一环节。
error-consult_department_not_found = 没有这个部门。
error-consult_matter_not_found = 没有这个征询事项。
error-consult_round_not_found = 没有这个征询环节。
