# shequ — 中文界面文字（主语言）：open311。每个键必须在 en/open311.ftl 中也有。

# GeoReport v2 的错误信息（英文为规范用语）。
error-open311_param_missing = 缺少参数 { $field }
error-open311_param_repeated = 参数 { $field } 只能给一个值
error-open311_format_unknown = 不支持的格式：请在路径末尾加 .json 或 .xml
error-open311_no_such_path = 没有这个 Open311 资源；见 discovery.json
error-open311_method_not_allowed = 此资源不接受这种请求方法
error-open311_api_key_missing = 缺少 api_key，无法提交
error-open311_api_key_invalid = api_key 无效、已过期或已吊销
error-open311_api_key_scope = 此 api_key 没有 open311 权限
error-open311_outside_area = 位置不在此 api_key 所属区域内
error-open311_service_unknown = 没有服务代码 { $code }
error-open311_internal = 服务内部错误，已记录；请稍后再试或联系我们
error-open311_unavailable = 数据库暂时无法写入，未保存任何内容，请稍后再试
error-open311_invalid_field = { $field } 无效：{ $problem }
error-open311_form_type = 请以 application/x-www-form-urlencoded 表单提交
error-open311_form_unreadable = 无法读取请求体（过大或不完整）
error-open311_form_not_utf8 = 请求体不是 UTF-8 编码的表单
error-open311_attribute_param = 无法识别的属性参数 { $param }：应为 attribute[代码] 或 attribute[代码][]
error-open311_too_long = { $field } 超过 { $max } 个字
error-open311_coordinate = { $field } 必须是 WGS-84 坐标数值
error-open311_media_url = media_url 必须是 http(s) 网址
error-open311_email = email 不是电子邮件地址
error-open311_lat_long_pair = lat 和 long 须同时提供
error-open311_address_id = address_id 必须是本平台的地点编号（数字）
error-open311_location_missing = 缺少位置：请提供 lat 和 long、address_string 或 address_id
error-open311_whole_number = { $field } 必须是 1 到 { $max } 的整数
error-open311_datetime = { $field } 必须是带时区的 W3C 日期时间，如 2026-11-23T00:00:00+08:00
error-open311_dates_reversed = end_date 早于 start_date
error-open311_dates_span = start_date 到 end_date 不能超过 90 天
error-open311_ids_too_many = service_request_id 最多 1000 个
error-open311_id_invalid = service_request_id { $id } 不是本平台的编号
error-open311_status_invalid = status 只能是 open 或 closed，不是 { $status }
error-open311_request_unknown = 没有编号为 { $id } 的服务请求
error-open311_token_unknown = 没有这个 token
error-open311_attribute_missing = 属性 { $attribute } 必填
error-open311_attribute_unknown = 此服务没有属性 { $attribute }
error-open311_attribute_one_value = 属性 { $attribute } 只能有一个值
error-open311_attribute_number = 属性 { $attribute } 必须是数字
error-open311_attribute_datetime = 属性 { $attribute } 必须是带时区的 ISO 8601 日期或时间，如 2026-11-23T18:00:00+08:00
error-open311_attribute_line_break = 属性 { $attribute } 只能是一行文字
error-open311_attribute_too_long = 属性 { $attribute } 超过 { $max } 个字
error-open311_attribute_choice = { $value } 不是属性 { $attribute } 的选项

## status_notes: an order's state in words
open311-note-pending = 待受理
open311-note-accepted = 已受理
open311-note-in_progress = 处理中
open311-note-returned = 已退回，等待重新派单
open311-note-resolved = 已办结
open311-note-closed = 已办结并关闭
open311-note-duplicate = 重复工单，已并入 { $of }
open311-note-cancelled = 已撤销
