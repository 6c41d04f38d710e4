# shequ — 中文界面文字（主语言）：accounts。每个键必须在 en/accounts.ftl 中也有。

nav-users = 账号
nav-access-log = 查阅日志
nav-logout = 退出

login-title = 登录
login-username = 用户名
login-password = 密码
login-submit = 登录
login-failed = 用户名或密码错误。

role-admin = 系统管理员
role-street_operator = 街道指挥中心值班员
role-cadre = 街道干部
role-grid_worker = 网格员
role-neighbourhood_secretary = 居民区书记
role-district_organiser = 区委组织部

error-invalid_credentials = 用户名或密码错误。
error-account_disabled = 该账号已停用。

# 管理
users-title = 账号
users-total = 共 { $count } 个账号
users-none = 没有账号。
users-api-note = 新建账号和接口令牌可通过命令行 shequ user 或接口 /api/v1/users 完成。
user-username = 用户名
user-display-name = 姓名
user-role = 角色
user-region = 所属区域
user-status = 状态
user-active = 正常
user-disabled = 已停用
access-title = 查阅日志
access-intro = 每一次查看完整号码、每一次越权访问被拒绝，都记录在此，最新的在前。
access-total = 共 { $count } 条
access-none = 暂无记录。
access-at = 时间
access-actor = 操作人
access-col-action = 操作
access-subject = 对象
access-fields = 字段
access-reason = 原因
access-address = 来源地址
access-action-reveal = 查看完整号码
access-action-denied = 越权访问被拒绝
access-kind-person = 居民
access-kind-region = 区域
access-kind-household = 住户
access-kind-place = 场所

# 错误代码（其余见上文）
error-role_unknown = 角色无效。
error-invalid_token = 令牌无效、已过期或已吊销。
error-token_scope = 此令牌没有这项权限。
error-username_invalid = 用户名只能用 1–64 个字母、数字、“_”、“-”或“.”。
error-password_too_short = 密码太短。
error-name_length = 名称应为 1 至 100 个字。
error-scopes_invalid = 令牌权限无效。

## what a request names that does not exist, and values already taken
error-api_token_not_found = 未找到这个接口令牌。
error-username_taken = 这个用户名已被使用。
access-action-view = 查看个人记录
access-action-export = 导出个人记录
