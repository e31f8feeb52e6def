"""The counter terminal (窗口叫号终端): operator login, call / recall / start / no-show / transfer /
finish, the one-time notification list, 好差评, today's figures. Counter role."""
