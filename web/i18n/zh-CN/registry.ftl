# shequ — 中文界面文字（主语言）：registry。每个键必须在 en/registry.ftl 中也有。

nav-regions = 区域
nav-people = 人口
nav-places = 场所

people-total = 共 { $count } 人

region-city = 市
region-district = 区
region-street = 街道
region-neighbourhood = 居民区
region-grid = 网格

place-residential_building = 居民楼
place-office_building = 商务楼宇
place-park = 园区
place-business_district = 商圈
place-market = 市场
place-enterprise = 企业
place-construction_site = 工地
place-service_facility = 服务设施

facility-party_mass_service_centre = 党群服务中心
facility-health_station = 社区卫生服务站
facility-elderly_care = 养老机构
facility-elderly_canteen = 老年助餐点
facility-cultural_centre = 文化活动中心
facility-kindergarten = 幼儿园
facility-school = 学校
facility-police_station = 派出所
facility-other = 其他

tag-elderly_living_alone = 独居老人
tag-disabled = 残疾人
tag-low_income = 低保/低收入

gender-male = 男
gender-female = 女
residency-registered = 户籍
residency-migrant = 来沪
error-reason_length = 请填写查看原因（2–200 字），原因将记入查阅日志。
error-fields_empty = 请至少选择一项要显示的号码。
error-reveal_field_unknown = 无法显示该字段。

# 首页
home-title = 首页
home-your-region = 您负责的区域
home-scope-note = 您可以查看“{ $region }”及其下属区域的数据。
home-figures = 概况
home-residents = 居民
home-households = 户数
home-migrants = 来沪人员
home-migrant-share = 来沪人员占比
home-elderly-alone = 独居老人（80岁以上）
home-places = 场所
home-care-tags = 重点关爱对象
home-places-by-kind = 各类场所
home-links = 常用入口

# 区域
regions-title = 区域
regions-intro = 您负责范围内的区域，点击名称查看详情。
regions-none = 暂无区域数据。
regions-code = 区划代码
regions-children = 下级区域
regions-no-children = 没有下级区域。
regions-outline = 区域轮廓图
regions-outline-note = 轮廓示意图，点击下级区域可进入。
regions-places = 场所
regions-all-places = 查看全部场所

# 人口
people-title = 人口
people-filter-name = 姓名（开头）
people-filter-tag = 关爱标签
people-filter-region = 区域
people-none = 没有找到符合条件的居民。
people-masked-note = 身份证号和电话已隐去中间部分。查看完整号码需在居民页面填写原因，并记入查阅日志。
person-name = 姓名
person-gender = 性别
person-age = 年龄
person-age-years = （{ $age } 岁）
person-birth-date = 出生日期
person-residency = 户籍状态
person-identity-number = 身份证号
person-phone = 电话
person-address = 地址
person-grid = 网格
person-tags = 标签
field-phone = 电话
field-identity_number = 身份证号
reveal-title = 显示完整号码
reveal-intro = 仅在工作需要时查看。每次查看都会记录查看人、时间和原因。
reveal-fields = 要显示的号码
reveal-reason = 查看原因（必填）
reveal-reason-placeholder = 例如：上门走访前电话联系
reveal-submit = 显示完整号码
reveal-done = 完整号码仅在本页显示一次。
reveal-logged = 本次查看已记入查阅日志（原因：{ $reason }）。
household-members = 同户成员
household-this-person = （本人）
household-building = 楼栋
household-room = 室号
household-code = 户编号
household-room-label = { $room } 室

# 场所
places-title = 场所
places-filter-name = 名称（开头）
places-filter-kind = 类型
places-total = 共 { $count } 处
places-none = 没有找到符合条件的场所。
places-name = 名称
places-kind = 类型
places-location = 坐标（经度，纬度）
places-built-year = 建成年份
places-floors = 层数
places-code = 场所编号
places-households = 住户
places-no-households = 暂无住户登记。

# 错误代码（其余见上文）
error-care_tag_invalid = 关怀标签无效：请用已有的标签，以逗号分隔。
error-gender_unknown = 性别无效：请填 男 或 女。
error-identity_number_birth_date = 身份证号中的出生日期无效。
error-identity_number_checksum = 身份证号校验位不对，请核对。
error-identity_number_digits = 身份证号只能是数字（最后一位可以是 X）。
error-identity_number_length = 身份证号应为 18 位。
error-place_kind_unknown = 场所类型无效。
error-facility_type_unknown = 设施类型无效。
error-region_code_empty = 区域代码不能为空。
error-region_code_invalid = 区域代码只能包含字母、数字、“-”或“_”。
error-region_code_too_long = 区域代码太长。
error-region_kind_unknown = 区域层级无效：市、区、街道、居民区或网格。
error-region_path_invalid = 区域路径无效。
error-residency_unknown = 户籍类型无效：户籍或流动。
error-region_unknown = 没有这个代码的区域。
error-not_a_building = 门禁设备只能装在居民楼。
error-import_value_invalid = 导入的值无效。

## what a request names that does not exist, and values already taken
error-building_not_found = 未找到这栋楼。
error-household_not_found = 未找到这一户。
error-person_not_found = 未找到这位居民，或他不在您的区域内。
error-place_not_found = 未找到这个场所，或它不在您的区域内。
error-region_not_found = 未找到这个区域，或它不在您的区域内。
error-street_not_found = 未找到街道：请先导入区域。
home-non-residents = 在辖区工作（非居民）
residency-non_resident = 在辖区工作（非居民）
