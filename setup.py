"""Packaging for Neurolab, driven by settings.ini (nbdev 2 layout).

settings.ini is read with configparser rather than pkg_resources, which current
setuptools no longer ships. torch is deliberately not a requirement: Colab brings its
own, and the README set-up pins the CPU wheel before installing this package.
"""
from configparser import ConfigParser
from pathlib import Path

import setuptools

config = ConfigParser(delimiters=["="])
config.read(Path(__file__).parent / "settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]

# SPDX expressions (PEP 639): current setuptools deprecates license classifiers and says so at every install
licenses = {"apache2": "Apache-2.0"}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=Path("README.md").read_text(encoding="utf-8") if Path("README.md").exists() else "",
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license=licenses[cfg["license"]],
    url=cfg["git_url"],
    keywords=cfg["keywords"].split(),
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"]) - 1],
        "Intended Audience :: " + cfg["audience"],
        "Natural Language :: " + cfg["language"],
        "Programming Language :: Python :: 3",
    ],
    python_requires=">=" + cfg["min_python"],
    # The shipped models live in data folders (neurolab/assets/<family>/...) without __init__.py: listing them as
    # namespace packages is how setuptools wants package data declared, and it warns once per folder otherwise.
    packages=setuptools.find_namespace_packages(include=[cfg["lib_name"], cfg["lib_name"] + ".*"]),
    include_package_data=True,
    package_data={"": ["*.json", "*.safetensors", "*.txt", "*.csv"]},
    install_requires=cfg["requirements"].split(),
    extras_require={"dev": cfg["dev_requirements"].split(),
                    # openSMILE (audEERING): free for research and education, not for commercial use
                    "opensmile": cfg.get("opensmile_requirements", "").split()},
    entry_points={
        "console_scripts": cfg["console_scripts"].split(),
        "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
    zip_safe=False,
)
