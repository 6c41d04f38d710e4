## 15分钟社区生活圈：设施类型与步行距离阈值、步行网络、覆盖率、选址建议
error-circle_type_unknown = 设施类型须为党群服务中心、社区卫生服务站、日间照料中心、助餐点、菜市场、幼儿园、小学或文体活动室。
error-circle_threshold = 步行距离阈值须为 50 至 5000 米的整数（约 300 米步行 5 分钟）。
error-circle_network_json = 步行网络文件不是有效的 GeoJSON，请检查提示的行列位置。
error-circle_network_empty = 文件中没有线（LineString）：步行网络由道路和步行道的线组成，如 OpenStreetMap 导出的道路。
error-circle_network_coordinates = 坐标须为 [经度, 纬度] 数对。
error-circle_network_outside = 文件中有点位于本街道范围之外，请确认是否为本街道的网络文件。
error-circle_network_self_crossing = 有一条线自相交：道路不会自己交叉，请在路口处把它拆成相接的几条线。
