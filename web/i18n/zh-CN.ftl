# shequ — 中文界面文字（主语言）。每个键必须在 en.ftl 中也有。

app-name = 社区治理平台
app-tagline = 人、地、事，一屏知全域
lang-switch = English

nav-home = 首页
nav-regions = 区域
nav-people = 人口
nav-places = 场所
nav-users = 账号
nav-access-log = 查阅日志
nav-api-docs = 接口文档
nav-logout = 退出

login-title = 登录
login-username = 用户名
login-password = 密码
login-submit = 登录
login-failed = 用户名或密码错误。

people-total = 共 { $count } 人

role-admin = 系统管理员
role-street_operator = 街道指挥中心值班员
role-cadre = 街道干部
role-grid_worker = 网格员
role-neighbourhood_secretary = 居民区书记
role-district_organiser = 区委组织部

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

error-invalid_credentials = 用户名或密码错误。
error-login_required = 请先登录。
error-session_expired = 登录已过期，请重新登录。
error-account_disabled = 该账号已停用。
error-out_of_scope = 该对象不在您负责的区域内，访问已记录。
error-forbidden_role = 您的角色无权进行此操作。
error-too_many_attempts = 尝试次数过多，请稍后再试。
error-internal_error = 系统出错，已记录，请稍后再试。
error-database_unavailable = 数据库暂时无法访问，请稍后再试。
error-not_found = 未找到。
error-csrf_origin = 请求来自其他网站，请刷新页面后重试。
