export const cliTasks = [];
