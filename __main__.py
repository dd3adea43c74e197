"""greenlight: load the stack's settings, install the platform pieces once, deploy the app, export."""

import pulumi

from components.resources.stack import deploy_app, install_platform
from components.settings import app_spec, load

settings = load()
platform = install_platform(settings)
app = deploy_app(app_spec(settings), platform)

for key, value in {**app.outputs, **platform.outputs}.items():
    pulumi.export(key, value)
