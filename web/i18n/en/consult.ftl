## The street's say over the departments: asked before, consulted during, signed after
error-consult_kind_unknown = A matter is a head's appointment, a plan or public facility, or a major project.
error-consult_stage_unknown = A round is asked before, consulted during, or signed after.
error-consult_opinion_unknown = The street's opinion is agree, agree with conditions, or disagree.
error-consult_outcome_unknown = The outcome is followed, partly followed, not followed or withdrawn.
error-consult_reasons = Say why: the conditions of an agreement on conditions, or the reasons against.
error-consult_round_order = The rounds go in order — asked before, consulted during, signed after — each after the street answered the one before.
error-consult_department_not_found = There is no such department.
error-consult_matter_not_found = There is no such matter.
error-consult_round_not_found = There is no such round.
