# shequ — 中文界面文字（主语言）：app。每个键必须在 en/app.ftl 中也有。

app-name = 社区治理平台
app-tagline = 人、地、事，一屏知全域
lang-switch = English

nav-home = 首页
nav-api-docs = 接口文档
error-login_required = 请先登录。
error-session_expired = 登录已过期，请重新登录。
error-out_of_scope = 该对象不在您负责的区域内，访问已记录。
error-forbidden_role = 您的角色无权进行此操作。
error-too_many_attempts = 尝试次数过多，请稍后再试。
error-internal_error = 系统出错，已记录，请稍后再试。
error-database_unavailable = 数据库暂时无法访问，请稍后再试。
error-not_found = 未找到。
error-csrf_origin = 请求来自其他网站，请刷新页面后重试。
error-invalid_input = 填写的内容有误，请检查后重试。
error-user_required = 此页面需要以用户身份登录。
error-generic = 无法完成此请求。
error-code = 错误代码
error-home = 返回首页
error-title-forbidden = 无权访问
error-title-not-found = 未找到页面
error-title-too-many = 请求过于频繁
error-title-bad-request = 请求有误
error-title-server = 系统出错

# 页面框架
skip-to-content = 跳到正文
nav-label = 主导航
breadcrumbs = 位置
list-sep = 、
pager-label = 翻页
pager-prev = 上一页
pager-next = 下一页
pager-position = 第 { $page } / { $pages } 页
filter-any = 全部
filter-apply = 查询

# 表单
form-required = （必填）
form-has-errors = 请修改以下内容后再提交：

# 单位
unit-days = 天
unit-hours = 小时
unit-minutes = 分钟

# 错误代码（其余见上文）
error-invalid_value = 有一项的值无法读取，请检查后再试。
error-value_invalid = 这个值不被允许。
error-required = 此项必填。
error-reference_not_found = 引用的内容不存在。
error-already_exists = 这个值已被占用。
error-database_busy = 数据库正忙，未保存任何内容，请稍后再试。
error-storage_full = 服务器存储已满，未保存任何内容，请稍后再试。
error-bad_request = 请求无法读取。
error-method_not_allowed = 此地址不接受这种请求方法。
error-payload_too_large = 发送的内容太大。
error-unsupported_media_type = 请以 JSON 格式发送（Content-Type: application/json）。
error-request_refused = 请求被拒绝。

## what a request names that does not exist, and values already taken
error-language_not_found = 未找到这种语言：目前只支持中文和英文。
error-page_not_found = 未找到这个页面。
error-route_not_found = 未找到这个地址。
error-conflict = 这个值已被使用。
