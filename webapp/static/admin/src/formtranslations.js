// Chinese for the form designer. form-js has no translation service for its editor, so the
// palette's field names are set on the field types (FIELD_NAMES) and the rest of its texts are
// translated where they appear (translateIn: text nodes and the title, placeholder and aria-label
// attributes, watched with a MutationObserver). The version of form-js is pinned (package.json).

export const FIELD_NAMES = {
  textfield: '单行文本', textarea: '多行文本', number: '数字', datetime: '日期', select: '下拉选择', radio: '单选',
  checkbox: '是/否', checklist: '多选', filepicker: '附件', group: '分组', dynamiclist: '明细列表', taglist: '标签',
  text: '说明文字', separator: '分隔线', spacer: '空白', image: '图片', html: 'HTML', iframe: '内嵌网页', table: '表格',
  expression: '计算值', button: '按钮', documentPreview: '文档预览'
};

const ZH = {
  // palette
  'Components': '字段', 'Search components': '搜索字段', 'Input': '输入', 'Selection': '选择', 'Presentation': '展示',
  'Containers': '容器', 'Action': '操作', 'No components found.': '没有匹配的字段',
  'Drag and drop components here to start designing.': '从左侧拖入字段开始设计表单',
  'Use the preview panel to test your form.': '在下方预览中检查表单',
  'Build your form': '设计表单',
  // properties panel: groups
  'General': '常规', 'Validation': '校验', 'Options': '选项', 'Options source': '选项来源', 'Condition': '显示条件',
  'Layout': '布局', 'Appearance': '外观', 'Serialization': '序列化', 'Custom properties': '自定义属性',
  'Constraints': '限制', 'Static options': '固定选项', 'Dynamic options': '动态选项', 'Options expression': '选项表达式',
  'Select a form field to edit its properties.': '选择一个字段以编辑其属性',
  'Multiple form fields are selected': '选择了多个字段',
  // properties panel: entries
  'Field label': '字段标题', 'Label': '标题', 'Key': '字段名（英文，保存到数据中的名称）', 'Path': '字段名（英文，分组的数据名）',
  'Field description': '说明', 'Description': '说明', 'Default value': '默认值', 'Required': '必填', 'Read only': '只读',
  'Disabled': '禁用', 'Minimum length': '最少字数', 'Maximum length': '最多字数', 'Minimum': '最小值', 'Maximum': '最大值',
  'Validation pattern': '格式要求', 'Custom regular expression': '自定义正则表达式', 'Custom error message': '自定义错误提示',
  'Email': '电子邮件', 'Phone': '电话', 'Custom': '自定义', 'Decimal digits': '小数位数', 'Increment': '步长',
  'Subtype': '类型', 'Date label': '日期标题', 'Time label': '时间标题', 'Date': '日期', 'Time': '时间',
  'Date & Time': '日期和时间', 'Disallow past dates': '不允许过去的日期', 'Use 24h': '24 小时制',
  'Time format': '时间格式', 'Time interval': '时间间隔', 'Value': '值', 'Values': '选项', 'Checked': '选中',
  'Not checked': '未选中', 'Upload multiple files': '允许上传多个文件', 'Supported file formats': '允许的文件格式',
  'Searchable': '可搜索', 'Show outline': '显示边框', 'Allow add/delete items': '允许增删条目',
  'Default number of items': '默认条目数', 'Disable collapse': '不折叠', 'Number of non-collapsing items': '不折叠的条目数',
  'Text': '文字', 'Columns': '列宽', 'Auto': '自动', 'ID': '编号', 'Type': '类型', 'Version tag': '版本标签',
  'Output as string': '输出为文本', 'Allows arbitrary precision values': '允许任意精度', 'Prefix': '前缀', 'Suffix': '后缀',
  'Create': '新增', 'Delete item': '删除', 'Toggle list item': '展开/收起', 'Create new list item': '新增一项',
  'Toggle section': '展开/收起', 'Section contains an error': '此部分有错误', 'Section contains edits': '此部分有修改',
  '<empty>': '（空）', 'Open documentation': '查看文档', 'Open pop-up editor': '在弹出窗口中编辑',
  'Where the child variables of this component are pathed to.': '分组中各字段的数据放在这个名称下',
  'Binds to a form variable': '对应表单数据中的一个字段', 'Must not be empty.': '不能为空',
  'Must be unique.': '不能与其他字段重复', 'Must not contain spaces.': '不能包含空格',
  'Must be a variable or a dot separated path.': '须为英文变量名，可用点号分隔',
  'Remove': '删除', 'Delete': '删除', 'Text field': '单行文本', 'Text area': '多行文本', 'Number': '数字',
  'Checkbox': '是/否', 'Checkbox group': '多选', 'Radio group': '单选', 'Select': '下拉选择', 'Tag list': '标签',
  'File picker': '附件', 'Group': '分组', 'Dynamic list': '明细列表', 'Form': '表单', 'Text view': '说明文字',
  'Datetime': '日期', 'Date time': '日期', 'Static': '固定', 'Input data': '输入数据', 'Hide if': '隐藏条件',
  'Condition under which the field is hidden': '满足时隐藏该字段', 'Field': '字段'
};

// texts with a part that varies: [pattern, replacement]
const PATTERNS = [
  [/^Create an? (.+) element$/, '添加“$1”'],
  [/^List contains (\d+) items?$/, '共 $1 项']
];

function translated(text) {
  const key = text.trim();
  if (ZH[key]) return text.replace(key, ZH[key]);
  for (const [pattern, replacement] of PATTERNS) {
    if (pattern.test(key)) return text.replace(key, key.replace(pattern, replacement));
  }
  return null;
}

const ATTRIBUTES = ['title', 'placeholder', 'aria-label'];

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    // the fields on the canvas show the administrator's own labels: never translated
    if (!node.parentElement || node.parentElement.closest('.fjs-form-field')) return;
    const value = translated(node.nodeValue);
    if (value !== null && value !== node.nodeValue) node.nodeValue = value;
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  for (const attr of ATTRIBUTES) {
    const current = node.getAttribute(attr);
    const value = current && translated(current);
    if (value && value !== current) node.setAttribute(attr, value);
  }
  node.childNodes.forEach(translateNode);
}

export function translateIn(root) {
  translateNode(root);
  const observer = new MutationObserver(mutations => {
    for (const m of mutations) {
      if (m.type === 'characterData') translateNode(m.target);
      else if (m.type === 'attributes') translateNode(m.target);
      else m.addedNodes.forEach(translateNode);
    }
  });
  observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES });
  return () => observer.disconnect();
}
