"""What ``facility-check serve`` runs: settings, the bind check, ``--demo``, then uvicorn.

The CLI only translates options; errors come back as :class:`ServeError` (both languages).
"""

from __future__ import annotations

import sys
import tempfile

from .settings import UnsafeBind, WebSettings, check_bind


class ServeError(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def prepare(
    *, host: str, port: int, data: str | None, token: str | None, demo: bool, upload_mb: int | None
) -> WebSettings:
    if demo and data is None:
        data = tempfile.mkdtemp(prefix="facility-check-demo-")
    settings = WebSettings.create(data, token=token, upload_mb=upload_mb, host=host, port=port)
    try:
        check_bind(settings)
    except UnsafeBind:
        raise ServeError(
            f"拒绝在非本机地址 {host} 上无令牌运行：任何能访问该地址的人都能读写数据。"
            "请加 --token 或设置环境变量 FACILITY_CHECK_TOKEN，或改用 --host 127.0.0.1",
            f"refusing to serve on the non-loopback address {host} without a token: anyone who can reach it "
            "could read and change the data. Give --token (or FACILITY_CHECK_TOKEN), or use --host 127.0.0.1",
        ) from None
    if demo and (settings.data_dir / "facility-check.sqlite3").exists():
        raise ServeError(
            f"--demo 需要新的数据目录，{settings.data_dir} 中已有数据库",
            f"--demo needs a fresh data directory; {settings.data_dir} already holds a database",
        )
    return settings


def run(
    *, host: str, port: int, data: str | None, token: str | None, demo: bool, upload_mb: int | None, lang: str
) -> None:
    import uvicorn

    from . import create_app
    from .services import demo as demo_data

    settings = prepare(host=host, port=port, data=data, token=token, demo=demo, upload_mb=upload_mb)
    app = create_app(settings)
    if demo:
        try:
            records, layers = demo_data.load(app.state.store, settings.hazards_dir)
        except demo_data.DemoMissing:
            raise ServeError(
                "此安装中没有示例数据（samples/），无法使用 --demo",
                "the samples (samples/) are not part of this installation: --demo is unavailable",
            ) from None
        sys.stderr.write(
            f"已载入示例：{records} 条机构记录，{layers} 个危险源图层\n"
            if lang == "zh"
            else f"demo loaded: {records} facility records, {layers} hazard layers\n"
        )
    shown = f"[{host}]" if ":" in host else host
    sys.stderr.write(
        f"数据目录：{settings.data_dir}\n工作台地址：http://{shown}:{port}/\n（按 Ctrl+C 停止）\n"
        if lang == "zh"
        else f"data directory: {settings.data_dir}\nworkbench: http://{shown}:{port}/\n(Ctrl+C to stop)\n"
    )
    sys.stderr.flush()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
