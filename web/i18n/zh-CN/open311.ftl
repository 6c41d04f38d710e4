# shequ — 中文界面文字（主语言）：open311。每个键必须在 en/open311.ftl 中也有。

# GeoReport v2 的错误信息取自通用的 error-<代码> 键。
