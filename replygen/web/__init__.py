"""The workbench (答复工作台): a local web page to write a reply and see its printed pages as you type."""
